"""A lever measured and not taken: Kokoro's int8 graph with its convolutions in float (bench_kokoro_levers.py).

The model on pip is dynamically quantised: before each convolution its input is quantised to uint8
(DynamicQuantizeLinear), convolved with uint8 weights by ConvInteger, then the int32 result (plus a bias quantised
at run time) is cast back and scaled. ConvInteger is 71 % of Kokoro's time in onnxruntime's profile. Here each
such chain becomes one float Conv over the unquantised input, with the weights dequantised exactly as ConvInteger
reads them ((w - zero point) x scale) and the float bias. On the two-core machine of BENCHMARKS.md the float
convolutions are slower than ConvInteger's (and the model takes 256 MB instead of 92), so narrate keeps the int8
graph as shipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

def float_convs(model: Any) -> int:
    """Rewrite ``model`` (an onnx ModelProto) in place; the number of convolutions rewritten."""
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph
    made = {out: node for node in graph.node for out in node.output}
    used: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            used.setdefault(name, []).append(node)
    weights = {init.name: init for init in graph.initializer}

    def only(name: str) -> Any:
        users = used.get(name, [])
        return users[0] if len(users) == 1 else None

    def value(name: str) -> np.ndarray:
        return numpy_helper.to_array(weights[name])

    swaps: dict[int, Any] = {}  # id of the ConvInteger -> its float Conv
    gone: set[int] = set()
    for node in graph.node:
        if node.op_type != "ConvInteger":
            continue
        quantise = made.get(node.input[0])
        step = only(node.output[0])
        bias = None
        if step is not None and step.op_type == "Add":  # the bias, quantised at run time: take the float one
            other = made.get(step.input[1] if step.input[0] == node.output[0] else step.input[0])
            chain = other
            while chain is not None and chain.op_type in ("Reshape", "Cast", "Floor"):
                chain = made.get(chain.input[0])
            if chain is None or chain.op_type != "Div" or chain.input[0] not in weights:
                continue
            bias, add, cast = chain.input[0], step, only(step.output[0])
        else:
            add, cast = None, step
        scale_by = only(cast.output[0]) if cast is not None and cast.op_type == "Cast" else None
        if quantise is None or quantise.op_type != "DynamicQuantizeLinear" or scale_by is None \
                or scale_by.op_type != "Mul" or node.input[1] not in weights:
            continue
        scales = made.get(scale_by.input[1] if scale_by.input[0] == cast.output[0] else scale_by.input[0])
        weight_scale = next((name for name in (scales.input if scales is not None else []) if name in weights), None)
        if weight_scale is None:
            continue
        w = value(node.input[1]).astype(np.float32)
        zero = value(node.input[3]).astype(np.float32) if len(node.input) > 3 and node.input[3] else np.float32(0)
        scale = value(weight_scale).astype(np.float32)
        shape = (-1,) + (1,) * (w.ndim - 1)
        w = (w - (zero.reshape(shape) if zero.ndim else zero)) * (scale.reshape(shape) if scale.ndim else scale)
        name = node.input[1] + "_float"
        graph.initializer.append(numpy_helper.from_array(w.astype(np.float32), name))
        inputs = [quantise.input[0], name] + ([bias] if bias else [])
        conv = helper.make_node("Conv", inputs, [scale_by.output[0]], name=node.name + "_float")
        conv.attribute.extend(node.attribute)
        swaps[id(node)] = conv
        gone.update(id(n) for n in (add, cast, scale_by) if n is not None)
    nodes = [swaps.get(id(n), n) for n in graph.node if id(n) not in gone]
    # what only the quantised chains used (their input's quantisation, the bias's): no longer computed
    outputs = {o.name for o in graph.output}
    while True:
        needed = {name for n in nodes for name in n.input} | outputs
        kept = [n for n in nodes if any(out in needed for out in n.output)]
        if len(kept) == len(nodes):
            break
        nodes = kept
    del graph.node[:]
    graph.node.extend(nodes)
    needed = {name for n in nodes for name in n.input}
    unused = [init for init in graph.initializer if init.name not in needed]
    for init in unused:
        graph.initializer.remove(init)
    onnx.checker.check_model(model)
    return len(swaps)
