#!/usr/bin/python3
"""Writes the PyTorch fixtures that nn's parity tests (parity_test.go) read.

Run from this directory with Debian's PyTorch (apt-get install python3-torch):

    /usr/bin/python3 make_fixtures.py

For each model below, in float64 with a fixed seed, it writes two
.safetensors files (the format is written by hand, so that the script needs
nothing but torch; it is the layout safetensors.torch.save_file writes):

  NAME_state.safetensors  the model's state_dict before the step: parameters
                          and buffers, num_batches_tracked as I64, exactly the
                          keys and dtypes of PyTorch's state_dict.
  NAME_io.safetensors     "input" and "weights"; after one forward pass in
                          training mode: "train.logits", the updated buffers as
                          "train.BUFFER" and the gradients of
                          sum(train.logits * weights) as "grad.PARAM" and
                          "grad.input"; then, in evaluation mode with the
                          updated buffers, "eval.logits".

The Go tests never need PyTorch: the outputs are committed.
"""
import json
import struct

import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)

DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64"}


def save(path, tensors):
    """Writes tensors (name → tensor) in the safetensors format: an 8-byte
    little-endian header length, a JSON header padded with spaces to a
    multiple of 8 bytes, then the raw little-endian data of each tensor."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.numpy().tobytes()  # this machine is little-endian
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


def perturb(model, gen):
    """Gives normalisation layers random affine parameters and running
    statistics, so that evaluation mode and the running updates are tested on
    values other than the initial ones."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm)):
            with torch.no_grad():
                if m.weight is not None:
                    m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=gen))
                    m.bias.copy_(0.3 * torch.randn(m.bias.shape, generator=gen))
                if getattr(m, "running_mean", None) is not None:
                    m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=gen))
                    m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))
                    m.num_batches_tracked.fill_(3)


def fixture(name, model, input_shape, seed):
    gen = torch.Generator().manual_seed(seed)
    perturb(model, gen)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    save(name + "_state.safetensors", state)

    x = torch.randn(input_shape, generator=gen).requires_grad_(True)
    model.train()
    logits = model(x)
    w = torch.randn(logits.shape, generator=gen)
    (logits * w).sum().backward()
    io = {"input": x, "weights": w, "train.logits": logits, "grad.input": x.grad}
    for k, p in model.named_parameters():
        io["grad." + k] = p.grad
    for k, b in model.named_buffers():
        io["train." + k] = b
    model.eval()
    with torch.no_grad():
        io["eval.logits"] = model(x)
    save(name + "_io.safetensors", io)


torch.manual_seed(14)

# A small CNN: every 2-d layer kind, BatchNorm2d with momentum, GroupNorm,
# options of convolutions and pooling. Input (4, 1, 16, 16).
cnn = nn.Sequential(
    nn.Conv2d(1, 4, 3, padding=1),                                   # 16×16
    nn.BatchNorm2d(4),
    nn.ReLU(),
    nn.MaxPool2d(2),                                                 # 8×8
    nn.Conv2d(4, 8, 3, padding="same", groups=2, dilation=2),        # 8×8
    nn.GroupNorm(2, 8),
    nn.ReLU(),
    nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),  # 5×5
    nn.Conv2d(8, 6, (2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),        # 3×1
    nn.AdaptiveAvgPool2d((2, 1)),                                    # 2×1
    nn.Flatten(),
    nn.Linear(12, 3),
)
fixture("cnn", cnn, (4, 1, 16, 16), 1)

# 1-d layers: Conv1d, BatchNorm1d on (N, C, L) and (N, C), cumulative
# averaging (momentum=None), affine=False. Input (5, 3, 20).
seq = nn.Sequential(
    nn.Conv1d(3, 6, 3, stride=2, padding=1),                         # 10
    nn.BatchNorm1d(6, momentum=None),
    nn.ReLU(),
    nn.Conv1d(6, 6, 3, padding="same", groups=3, dilation=2),        # 10
    nn.BatchNorm1d(6, affine=False, momentum=0.3),
    nn.Flatten(),
    nn.Linear(60, 16),
    nn.BatchNorm1d(16),
    nn.Tanh(),
    nn.Linear(16, 4),
)
fixture("seq", seq, (5, 3, 20), 2)

# Transposed convolutions, BatchNorm2d without running statistics, max
# pooling with padding, dilation and ceil mode, average pooling with a
# divisor. Input (3, 2, 5, 5).
up = nn.Sequential(
    nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1),           # 10×10
    nn.BatchNorm2d(4, track_running_stats=False),
    nn.ReLU(),
    nn.ConvTranspose2d(4, 2, (2, 3), stride=(1, 2), groups=2, dilation=(2, 1), bias=False),  # 12×21
    nn.MaxPool2d(3, stride=2, padding=1, dilation=(1, 2), ceil_mode=True),       # 7×10
    nn.AvgPool2d(2, stride=(2, 3), padding=1, divisor_override=3),                # 4×4
    nn.Flatten(),
    nn.Linear(32, 3),
)
fixture("up", up, (3, 2, 5, 5), 3)
