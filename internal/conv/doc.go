// Package conv holds the loops under nabla's convolution and pooling ops:
// batches in PyTorch's NCHW layout, a 1-D convolution being a 2-D one of
// height 1.
//
// A convolution is a matrix product once its input is unfolded (im2col): for
// one sample and one group, row (c, i, j) of the unfolded matrix holds input
// channel c shifted by kernel offset (i, j) at every output position, so the
// output is the group's weight matrix (F/G × C/G·KH·KW) times that matrix.
// The same unfolding gives the two other products a backward pass needs: the
// gradient with respect to the input is Wᵀ·dY folded back (col2im), and the
// gradient with respect to the weight is dY times the unfolded input,
// transposed. A 1×1 convolution with stride 1 and no padding needs no
// unfolding: the input is already the matrix. With unit strides and an
// output as wide as the input (the common "same" 3×3), each row of the
// unfolded matrix is its channel's plane shifted as a flat array, so unfold
// is one copy per row and fold one vector add per row, plus zeros where the
// shift wraps from one image row into the next.
//
// The weight gradient's product reduces over output positions, the axis
// along which both dY and the unfolded input are stored, so one of them has
// to be transposed into the kernels' layout, and the unfolded input is the
// large one (KH·KW copies of the input). With four or more channels per
// group the input is instead transposed once to channels-last, and the
// kernels' slivers are written straight from it through gemm.PackB, the
// columns ordered (tap, channel) so that each step of a sliver is a run of
// contiguous channels; the result is permuted back at the end, with the
// same bits.
//
// The products run in internal/gemm's serial kernels, on chunks of samples
// unfolded side by side (up to 1024 output positions, so that a small
// image's product still has enough columns to amortise packing), with the
// samples spread over the cores; each worker unfolds into its own buffer.
// The chunk size depends on the geometry alone, and the weight gradient sums
// over samples in a fixed order (fixed blocks of samples, then the blocks in
// order), so its bits do not depend on how many cores ran it.
//
// Every function here is safe for concurrent use: nothing is shared but the
// caller's slices, which must not overlap between concurrent calls that
// write them.
package conv
