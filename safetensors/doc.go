// Package safetensors reads and writes the safetensors format of Hugging
// Face, the common interchange format for model weights.
//
// A file is an 8-byte little-endian header length N, then N bytes of JSON,
// then one buffer holding every tensor's raw little-endian bytes:
//
//	{"__metadata__": {"format": "pt"},
//	 "weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
//
// Offsets are relative to the start of the buffer, and the tensors must tile
// it exactly: no gaps, no overlaps, nothing left over. The metadata is a map
// of strings to strings.
//
// The package works on bytes, not on the tensor types of the parent module:
// a [Tensor] is a dtype, a shape and its raw data, with helpers to convert to
// and from Go slices. That keeps it usable on its own and lets a checkpoint
// hold anything, including optimizer step counters (I64) next to weights.
//
// [Encode] writes what the reference implementation writes for the same
// tensors, except that it orders them by name alone (the reference groups by
// dtype first): a compact JSON header with "__metadata__" first, padded with
// spaces to a multiple of 8 bytes so the buffer starts aligned. [Decode]
// accepts any valid order. [WriteFile] replaces a file atomically, so a crash
// while saving a checkpoint never leaves a truncated file behind.
//
// Files are treated as untrusted: [Decode] and [Read] check every field
// against the spec and the actual file size before allocating, and report a
// malformed file as an error naming the tensor concerned, never as a panic.
// As in the reference implementation, headers over 100 MB are refused.
package safetensors
