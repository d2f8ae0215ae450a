// ONNX export of models/cmu_pose_vgg19.posenet: checker, shapes, ORT vs PyTorch and tfjs, parameters (zoo-suite.ts).
import { zooSuite } from "./zoo-suite.js";

zooSuite({ path: "models/cmu_pose_vgg19.posenet", shapeSizes: [[368, 368], [368, 656]], runSizes: [[40, 56], [56, 40]], tfjsSizes: [[40, 56]] });
