// Package data provides datasets for training and testing models: small real
// datasets embedded in the binary, seeded synthetic generators, loaders for
// CSV and IDX (MNIST-style) files, and the usual preparation steps (shuffle,
// split, standardize, batch).
//
// Everything works on plain Go slices, deliberately: a [Dataset] holds its
// features as one row-major []float64 or []float32 (its [Storage]), so this
// package has no dependency on the tensor types of the parent module and can
// be read, tested and reused on its own. The adapter to tensors is the
// sub-package data/loader: batches of nabla tensors with their int labels,
// shuffled by a seeded source, in float64 or float32. The features are held once: loaders decode into the storage
// asked for, and standardisation, shuffling and batching work in place or on
// views, so Fashion-MNIST in float32 takes 220 MB, not twice or four times
// that.
//
// # Images
//
// A dataset of images says so in [Dataset.Image], (channels, height, width),
// with each row holding one image channel by channel, row by row: a batch of
// n rows reshapes to (n, C, H, W) for a convolution. [ImageTransform] shifts
// and mirrors such rows, for data augmentation.
//
// # Embedded datasets
//
// [Digits], [Iris], [BreastCancer] and [Wine] are copies of the UCI datasets
// as shipped with scikit-learn (Debian's python3-sklearn 1.2.1); the
// description of each, with its source and citation, is embedded next to it
// and returned in [Dataset.Description]. They are small enough (under 200 KB
// together, digits kept gzipped) that tests and examples never need the
// network or the file system.
//
// [FashionMNIST] reads the larger Fashion-MNIST set from disk, where Debian's
// dataset-fashion-mnist package installs it.
//
// # Determinism
//
// Every function that draws random numbers takes a caller-supplied
// *rand.Rand from math/rand/v2, so a run is reproduced by reusing the seed:
//
//	rng := rand.New(rand.NewPCG(1, 2))
//	train, test := data.Spirals(300, 3, 0.2, rng).Split(0.2, rng)
//
// The PCG stream is the same on every platform. Synthetic coordinates go
// through math.Sin and friends, which may differ in the last bit on
// architectures where the compiler fuses multiply-adds.
//
// # Errors and panics
//
// Loaders treat their input as untrusted: malformed files produce an error
// that names the file, line or column. Declared sizes are bounded and memory
// is allocated as the bytes actually arrive, not as a header announces them
// (at once only when the file is large enough to hold, or gzipped to expand
// to, what the header declares), so a hostile header cannot make a loader
// panic or exhaust memory. Misuse by the calling
// program (a batch size of zero, a split fraction outside [0, 1]) panics, as
// indexing out of range would.
package data
