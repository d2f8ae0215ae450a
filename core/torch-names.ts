// IR nodes -> PyTorch module paths and state-dict keys. The generated model.py nests modules as the spec
// nests blocks (compiler/emit/pytorch): a node's module path is the non-empty labels of its scope chain
// plus its own label (`layer1_0_conv1` -> `layer1.0.conv1`, `stage2_paf_conv1` -> `refine.0.paf.conv1`), so
// the standard library's ResNets have torchvision's keys. A label that Python or nn.Module already owns
// (`forward`, `training`, `lambda`, ...) gets a trailing underscore. The rule is shared by the PyTorch
// emitter and by the runtime's checkpoint and weight readers/writers, which map state dicts to posec's
// names and back: hence core/.
import type { Ir } from "./ir/types.js";

/** Python's keywords: no generated name may be one. */
export const PYTHON_KEYWORDS = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for from " +
    "global if import in is lambda nonlocal not or pass raise return try while with yield match case"
  ).split(" "),
);

/** nn.Module's public attributes (torch 1.13 and later) and the names model.py itself defines. */
const RESERVED = new Set([
  ...PYTHON_KEYWORDS,
  ..."T_destination add_module apply bfloat16 buffers children cpu cuda double dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict modules named_buffers named_children named_modules named_parameters parameters register_backward_hook register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook register_load_state_dict_post_hook register_module register_parameter requires_grad_ set_extra_state share_memory state_dict to to_empty train training type xpu zero_grad mtia compile".split(
    " ",
  ),
  // module-level names of model.py and the forward's own
  ..."self torch nn F math namedtuple PoseOutput Add Mul Concat Pool2d reset_parameters init_normal init_kaiming init_xavier init_constant load_posec_weights posec_weights read_tfjs_weights stages".split(
    " ",
  ),
]);

/** A label as a module attribute (or forward-local) name in model.py. */
export function torchAttr(name: string): string {
  return RESERVED.has(name) || name.startsWith("_") ? `${name}_` : name;
}

/** posec parameter role -> the nn.Module parameter or buffer name */
export const TORCH_ROLE: Record<string, string> = {
  kernel: "weight",
  bias: "bias",
  gamma: "weight",
  beta: "bias",
  moving_mean: "running_mean",
  moving_variance: "running_var",
  alpha: "weight",
};

/** node name -> its module path in model.py (`layer1.0.conv1`): its scopes' non-empty labels, then its own */
export function torchPaths(ir: Pick<Ir, "nodes" | "scopes">): Map<string, string> {
  const scopePath: string[] = [];
  for (const s of ir.scopes) {
    const parent = s.parent === null ? "" : scopePath[s.parent];
    scopePath.push(s.label === "" ? parent : parent ? `${parent}.${torchAttr(s.label)}` : torchAttr(s.label));
  }
  return new Map(ir.nodes.map((n) => [n.name, scopePath[n.scope] ? `${scopePath[n.scope]}.${torchAttr(n.label)}` : torchAttr(n.label)]));
}

/** posec's `layer/role` names of one IR -> state-dict keys (`layer1_0_bn1/moving_mean` -> `layer1.0.bn1.running_mean`) */
export function torchKeys(ir: Pick<Ir, "nodes" | "scopes">): (posecName: string) => string {
  const paths = torchPaths(ir);
  return (posecName) => {
    const slash = posecName.lastIndexOf("/");
    const node = posecName.slice(0, slash);
    return `${paths.get(node) ?? torchAttr(node)}.${TORCH_ROLE[posecName.slice(slash + 1)]}`;
  };
}
