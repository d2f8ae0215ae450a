// ONNX export of models/small_resnet18_cmupose.posenet: checker, shapes, ORT vs PyTorch and tfjs, parameters (zoo-suite.ts).
import { zooSuite } from "./zoo-suite.js";

zooSuite({ path: "models/small_resnet18_cmupose.posenet", shapeSizes: [[128, 128], [128, 96]], runSizes: [[128, 128], [128, 96]], tfjsSizes: [[128, 128], [128, 96]] });
