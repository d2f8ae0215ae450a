// ONNX export of models/se_resnet_okhm_cmupose.posenet: checker, shapes, ORT vs PyTorch and tfjs, parameters (zoo-suite.ts).
import { zooSuite } from "./zoo-suite.js";

zooSuite({ path: "models/se_resnet_okhm_cmupose.posenet", shapeSizes: [[368, 368], [368, 656]], runSizes: [[40, 56], [56, 40]], tfjsSizes: [[40, 56]] });
