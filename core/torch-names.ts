// IR node names -> PyTorch attribute names and state-dict keys. The IR promises that node names are used
// verbatim by every backend; the one exception is a name that Python or nn.Module already owns (`forward`,
// `training`, `lambda`, ...): it gets a trailing underscore. The rule is shared by the PyTorch emitter
// (compiler/emit/pytorch) and by the runtime's checkpoint and weight readers, which map a state dict back
// to posec's names: hence core/.

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

/** The attribute (and forward-local) name of an IR node or tensor in model.py. */
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

/** posec's `layer/role` -> the state-dict key */
export function torchKey(posecName: string): string {
  const slash = posecName.lastIndexOf("/");
  return `${torchAttr(posecName.slice(0, slash))}.${TORCH_ROLE[posecName.slice(slash + 1)]}`;
}
