#!/usr/bin/python3
"""Writes conv_fixtures.safetensors, PyTorch's results for the convolution,
pooling and batch-norm ops that conv_torch_test.go compares nabla with.

Run from this directory with Debian's PyTorch (apt-get install python3-torch):

    /usr/bin/python3 conv_fixtures.py

Every case is float64 and named CASE. Its settings are the file's metadata
entry CASE, a JSON object: "op" (the torch.nn.functional name) and the keyword
arguments it was called with, lists for the per-axis ones ("padding": "same"
for padding="same"), and "tol" where the comparison needs a tolerance other
than the test's 1e-12. Its tensors:

  CASE.x, CASE.w       the input and, for convolutions, the weight; for
                       batch_norm CASE.w and CASE.b are the affine parameters
  CASE.y               the op's output
  CASE.gy              random weights: the gradients are those of sum(y·gy)
  CASE.gx, CASE.gw, CASE.gb  the gradients with respect to x, w and b
  CASE.mean, CASE.var  for batch_norm, the per-channel mean and biased variance

The Go test never needs PyTorch: the output file is committed.
"""
import json
import struct

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(14)


def randn(*shape):
    return torch.randn(shape, generator=gen)


tensors, meta = {}, {}


def case(name, op, inputs, tol=None, **kw):
    """Runs F.op on inputs (name → tensor) with keyword arguments kw, and
    stores the inputs, the output, the gradients of sum(y·gy) and kw, with
    tol, the comparison's tolerance, when it is not the test's default."""
    assert name not in meta
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    fn = getattr(F, op)
    if op == "batch_norm":
        x = leaves["x"]
        y = fn(x, None, None, leaves.get("w"), leaves.get("b"), training=True, eps=kw["eps"])
        var, mean = torch.var_mean(x.detach(), dim=[d for d in range(x.dim()) if d != 1], unbiased=False)
        tensors[name + ".mean"], tensors[name + ".var"] = mean, var
    else:
        args = {k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()}
        y = fn(*leaves.values(), **args)
    gy = randn(*y.shape)
    y.backward(gy)  # the gradients of sum(y·gy), also where y is NaN
    tensors[name + ".y"], tensors[name + ".gy"] = y, gy
    for k, v in leaves.items():
        tensors[name + "." + k] = inputs[k]
        tensors[name + ".g" + k] = v.grad
    if tol is not None:
        kw = dict(kw, tol=tol)
    meta[name] = json.dumps(dict(op=op, **kw), sort_keys=True)


# Convolutions: numeric padding, "same" with an even kernel, strides,
# dilations, groups and depthwise.
case("conv1d/strided-padded", "conv1d", dict(x=randn(2, 3, 10), w=randn(4, 3, 3)), stride=[2], padding=[1])
case("conv1d/dilated-groups", "conv1d", dict(x=randn(2, 6, 11), w=randn(3, 2, 3)), dilation=[2], groups=3)
case("conv1d/same-even-kernel", "conv1d", dict(x=randn(2, 2, 7), w=randn(3, 2, 4)), padding="same")
case("conv1d/same-dilated", "conv1d", dict(x=randn(1, 2, 9), w=randn(2, 2, 3)), padding="same", dilation=[3])
case("conv2d/3x3", "conv2d", dict(x=randn(2, 3, 7, 6), w=randn(4, 3, 3, 3)))
case("conv2d/strided-padded", "conv2d", dict(x=randn(2, 3, 7, 6), w=randn(2, 3, 3, 2)), stride=[2, 1], padding=[1, 2])
case("conv2d/same-even-kernel", "conv2d", dict(x=randn(2, 3, 5, 6), w=randn(2, 3, 2, 4)), padding="same")
case("conv2d/same-dilated", "conv2d", dict(x=randn(1, 2, 6, 7), w=randn(3, 2, 3, 2)), padding="same", dilation=[2, 3])
case("conv2d/dilated-strided", "conv2d", dict(x=randn(2, 2, 9, 8), w=randn(3, 2, 3, 3)), stride=[2], padding=[2], dilation=[2])
case("conv2d/groups", "conv2d", dict(x=randn(2, 4, 6, 6), w=randn(6, 2, 3, 3)), groups=2, padding=[1])
case("conv2d/depthwise", "conv2d", dict(x=randn(2, 3, 7, 7), w=randn(3, 1, 3, 3)), groups=3, stride=[2], padding=[1])
case("conv2d/depthwise-multiplier", "conv2d", dict(x=randn(2, 3, 5, 5), w=randn(6, 1, 2, 2)), groups=3)
case("conv2d/1x1", "conv2d", dict(x=randn(3, 4, 3, 5), w=randn(2, 4, 1, 1)))
case("conv2d/1x1-strided", "conv2d", dict(x=randn(2, 2, 5, 5), w=randn(3, 2, 1, 1)), stride=[2])
case("conv2d/kernel-as-input", "conv2d", dict(x=randn(2, 2, 3, 4), w=randn(5, 2, 3, 4)))
# Kernel columns that read only padding: FuzzConv2dGeometry found the
# unfolding loops slicing outside the row there.
case("conv2d/same-dilated-wider-than-input", "conv2d", dict(x=randn(1, 2, 5, 1), w=randn(3, 2, 3, 3)), padding="same",
     dilation=[3])

# Transposed convolutions: strides, padding, output padding, groups,
# dilation (an output padding below the dilation but not the stride).
case("conv_transpose2d/3x3", "conv_transpose2d", dict(x=randn(2, 3, 4, 5), w=randn(3, 2, 3, 3)))
case("conv_transpose2d/strided-output-padding", "conv_transpose2d", dict(x=randn(2, 3, 4, 4), w=randn(3, 2, 3, 3)),
     stride=[2], padding=[1], output_padding=[1])
case("conv_transpose2d/per-axis", "conv_transpose2d", dict(x=randn(1, 2, 3, 4), w=randn(2, 3, 3, 4)),
     stride=[2, 3], padding=[0, 1], output_padding=[1, 2])
case("conv_transpose2d/groups", "conv_transpose2d", dict(x=randn(2, 4, 3, 3), w=randn(4, 3, 3, 3)), groups=2, stride=[2])
case("conv_transpose2d/padding-beyond-input", "conv_transpose2d", dict(x=randn(1, 1, 2, 2), w=randn(1, 2, 3, 3)),
     padding=[3], dilation=[3])
case("conv_transpose2d/dilated-output-padding", "conv_transpose2d", dict(x=randn(2, 2, 4, 3), w=randn(2, 2, 2, 3)),
     dilation=[2], output_padding=[1], padding=[1])

# Max pooling: padding, dilation, ceil mode; ties (small integers) and NaNs,
# where PyTorch's gradient goes to one position of the window.
ties = torch.randint(-2, 3, (2, 2, 7, 7), generator=gen).double()
nans = ties.clone()
nans[0, 0, 1, 1] = nans[0, 0, 1, 2] = nans[1, 1, 4, 4] = float("nan")
nans[1, 0, 0, :] = float("-inf")
case("max_pool2d/2x2", "max_pool2d", dict(x=randn(2, 3, 6, 6)), kernel_size=[2])
case("max_pool2d/overlapping-padded", "max_pool2d", dict(x=randn(2, 2, 7, 6)), kernel_size=[3], stride=[2], padding=[1])
case("max_pool2d/dilated-ceil", "max_pool2d", dict(x=randn(2, 2, 7, 6)), kernel_size=[2, 3], stride=[2],
     dilation=[2, 1], ceil_mode=True)
case("max_pool2d/padded-dilated-ceil", "max_pool2d", dict(x=randn(1, 2, 8, 9)), kernel_size=[3], stride=[2],
     padding=[1], dilation=[2], ceil_mode=True)
case("max_pool2d/ties", "max_pool2d", dict(x=ties), kernel_size=[3], stride=[1], padding=[1])
case("max_pool2d/ties-2x2", "max_pool2d", dict(x=ties), kernel_size=[2], ceil_mode=True)
case("max_pool2d/nan-and-inf", "max_pool2d", dict(x=nans), kernel_size=[3], stride=[2], padding=[1])
case("max_pool2d/nan-2x2", "max_pool2d", dict(x=nans[:, :, :6, :6].contiguous()), kernel_size=[2])

# Average pooling: ceil mode, count_include_pad False, divisor_override.
case("avg_pool2d/padded-ceil", "avg_pool2d", dict(x=randn(2, 2, 7, 6)), kernel_size=[3], stride=[2], padding=[1],
     ceil_mode=True)
case("avg_pool2d/exclude-pad-ceil", "avg_pool2d", dict(x=randn(2, 2, 7, 6)), kernel_size=[3], stride=[2],
     padding=[1], ceil_mode=True, count_include_pad=False)
case("avg_pool2d/exclude-pad-per-axis", "avg_pool2d", dict(x=randn(1, 3, 5, 7)), kernel_size=[3, 2], stride=[1, 2],
     padding=[1], count_include_pad=False)
case("avg_pool2d/divisor", "avg_pool2d", dict(x=randn(2, 2, 6, 5)), kernel_size=[2], divisor_override=3)
case("avg_pool2d/divisor-padded-ceil", "avg_pool2d", dict(x=randn(1, 2, 5, 5)), kernel_size=[2], padding=[1],
     ceil_mode=True, divisor_override=5)

# Adaptive average pooling onto sizes that do not divide the input's.
case("adaptive_avg_pool2d/7to3", "adaptive_avg_pool2d", dict(x=randn(2, 3, 7, 7)), output_size=[3, 3])
case("adaptive_avg_pool2d/7x5to3x2", "adaptive_avg_pool2d", dict(x=randn(1, 2, 7, 5)), output_size=[3, 2])
case("adaptive_avg_pool2d/5x8to4x3", "adaptive_avg_pool2d", dict(x=randn(2, 1, 5, 8)), output_size=[4, 3])
case("adaptive_avg_pool2d/upsample", "adaptive_avg_pool2d", dict(x=randn(1, 2, 3, 4)), output_size=[5, 6])
case("adaptive_avg_pool2d/global", "adaptive_avg_pool2d", dict(x=randn(2, 3, 4, 5)), output_size=[1, 1])

# Batch normalisation in training mode.
case("batch_norm/NCHW", "batch_norm", dict(x=randn(4, 3, 5, 6), w=1 + 0.3 * randn(3), b=randn(3)), eps=1e-5)
case("batch_norm/NC", "batch_norm", dict(x=2 + 3 * randn(6, 4), w=randn(4), b=randn(4)), eps=1e-5)
case("batch_norm/NCL-large-eps", "batch_norm", dict(x=randn(2, 3, 7), w=randn(3), b=randn(3)), eps=0.1)
case("batch_norm/two-values", "batch_norm", dict(x=randn(2, 2), w=randn(2), b=randn(2)), eps=1e-5)
case("batch_norm/no-affine", "batch_norm", dict(x=randn(3, 2, 2, 2)), eps=1e-3)
# A mean far from 0 next to the spread: the rounding of x alone (1e4·2⁻⁵³)
# moves x̂ by about 1e-11, but statistics that cancel (E[x²] − E[x]²) would
# move it by about 1e-6.
case("batch_norm/large-mean", "batch_norm", dict(x=1e4 + 0.1 * randn(4, 3, 3, 3), w=randn(3), b=randn(3)), eps=1e-5,
     tol=1e-9)

DTYPES = {torch.float64: "F64"}


def save(path, tensors, metadata):
    """Writes tensors (name → tensor) and metadata (str → str) in the
    safetensors format: an 8-byte little-endian header length, a JSON header
    padded with spaces to a multiple of 8 bytes, then the raw little-endian
    data of each tensor (as nn/testdata/make_fixtures.py)."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.numpy().tobytes()  # this machine is little-endian
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = dict(metadata, format="pt", torch=torch.__version__)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


save("conv_fixtures.safetensors", tensors, meta)
print(len(meta), "cases,", len(tensors), "tensors")
