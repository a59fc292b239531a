// Package bench times nabla against the same computation written by hand in
// Go, against gonum and against Gorgonia (gorgonia.org/gorgonia v0.9.18),
// on six workloads, one file each, and against PyTorch on two more:
//
//   - sumsin.go: f(x) = sum(x²·sin x) over 10⁶ elements, forward alone and
//     forward+backward, float64 and float32.
//   - rosenbrock.go: the gradient of the extended Rosenbrock function at
//     n = 1000, against the analytic gradient and gonum's.
//   - mlp.go: one SGD training step of a 784-256-10 ReLU network with
//     cross-entropy loss on a batch of 128, float64 and float32.
//   - matmul.go: C = A·B for square n = 64, 256, 1024, nabla.MatMul against
//     gonum's pure-Go blas64.Gemm / blas32.Gemm.
//   - lbfgs.go: a whole L-BFGS minimisation of gonum's chained extended
//     Rosenbrock at n = 1000, minimize with nabla's gradient against gonum's
//     optimize with the hand-written gradient.
//   - hessian.go: the Hessian of the pairs-form extended Rosenbrock at
//     n = 100, nabla.Hessian against gonum's diff/fd central differences.
//   - conv.go: one forward+backward pass of nabla.Conv2d at 128×32×28×28,
//     32 kernels of 3×3, padding 1, float32 and float64, checked against
//     the direct six-loop definition; and the forward's unfolded (im2col)
//     product as one GEMM, for its GFLOPS.
//   - linalg.go: a 512×512 linear solve and Cholesky factorisation,
//     nabla.Solve and nabla.Cholesky against gonum's mat, and their
//     gradients (cmd/report -only linalg).
//   - elementwise.go: the per-op overhead (Chain20: 21 ops on two
//     elements, forward and backward) and each vectorised function (exp,
//     log, sin, cos, tanh, sigmoid, log1p, expm1) over 10⁶ elements.
//   - cnn.go: one Adam training step of a small Fashion-MNIST CNN (two
//     conv-BatchNorm-ReLU-maxpool blocks, two linear layers) on a batch of
//     128, float32, run as train.Run runs a step.
//
// pytorch/bench.py times the same convolution, GEMM and CNN step, and the
// main table's MLP step, MatMul, sum(x²·sin x), per-op chain and vectorised
// functions, in PyTorch; cmd/report runs it next to nabla at one pinned
// thread and at two.
//
// The benchmarks live in the matching _test.go files, named
// Benchmark<Workload>/<case>/<implementation>, so that every implementation
// of one case runs in the same top-level benchmark, interleaved with the
// others on every -count repetition. The tests check that the
// implementations compute the same values before any of them is timed.
//
// cmd/report reruns everything, prints one table of medians and ratios, and
// the CNN section's table against PyTorch, and writes both into
// ../docs/BENCHMARKS.md.
//
// This is a module of its own so that nabla never depends on its peers.
package bench
