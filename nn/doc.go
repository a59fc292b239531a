// Package nn provides neural-network layers, initialisers and loss functions
// built on nabla's tensors, in PyTorch's shapes and conventions.
//
// # Modules
//
// A Module maps a tensor to a tensor and lists its learnable parameters by
// name:
//
//	rng := nabla.NewRand(1)
//	net := nn.MLP([]int{2, 16, 1}, nn.ReLU, rng) // Linear, ReLU, Linear
//	y := net.Forward(x)                          // x is (batch, 2)
//
// Layers: Linear (weight stored out×in, y = x·Wᵀ + b), Sequential, the MLP
// builder, activations (ReLU, Tanh, Sigmoid, GELU, LeakyReLU, ...), Dropout,
// LayerNorm, Embedding and Flatten; for images and sequences, in PyTorch's
// (N, C, H, W) and (N, C, L) layouts, the convolutions NewConv1d, NewConv2d
// and NewConvTranspose2d (one type, Conv), MaxPool2d, AvgPool2d,
// AdaptiveAvgPool2d, BatchNorm (NewBatchNorm1d, NewBatchNorm2d) and
// GroupNorm. Their fields (Weight, Bias, Layers, Stride, ...) are exported,
// so a model can be inspected or rewired directly. A module of your own needs
// only Forward and Parameters; if it contains other modules, a Children
// method (the Container interface) lets Train and Eval reach them.
//
// Constructors take PyTorch's required arguments in order and the rest as
// options, as PyTorch's keyword arguments:
//
//	nn.NewConv2d(3, 16, 3, rng, nn.Stride(2), nn.Padding(1))        // Conv2d(3, 16, 3, stride=2, padding=1)
//	nn.NewConv2d(16, 16, 3, rng, nn.PaddingSame(), nn.Groups(16))   // padding="same", groups=16
//	nn.NewConv2d(3, 8, 0, rng, nn.Kernel2(1, 5), nn.NoBias())       // kernel_size=(1, 5), bias=False
//	nn.NewBatchNorm2d(16, nn.Momentum(0.01), nn.Eps(1e-3))
//	nn.NewBatchNorm1d(64, nn.CumulativeAverage())                   // momentum=None
//	nn.NewAvgPool2d(3, nn.Stride(2), nn.Padding(1), nn.ExcludePadding()) // count_include_pad=False
//
// Stride, Padding, Dilation and OutputPadding take one value for every
// spatial axis or one per axis. An option a constructor does not take (Stride
// given to a Linear layer) panics rather than being ignored. Convolutions
// and normalisation layers initialise as PyTorch does (kaiming_uniform_ with
// a = √5 for convolution weights, ones and zeros for normalisation).
//
// Parameter names follow PyTorch's state_dict: a Sequential names its
// layers' parameters by index ("0.weight", "0.bias", "2.weight"), so a state
// dict saved from an nn.Sequential in PyTorch has the same keys. StateDict
// returns the parameters (and buffers, below) by name and LoadStateDict
// copies values back,
// returning an error that names every missing or unexpected key and shape
// mismatch. Tensors gives the bare parameter list an optimizer takes, and
// ZeroGrad clears every parameter's gradient (gradients accumulate, as in
// PyTorch).
//
// # Buffers and files
//
// Some state is not learned by gradient descent: BatchNorm's running_mean,
// running_var and num_batches_tracked. Such modules implement Buffered, and
// Buffers(m) lists them with the prefixes a Sequential gives
// ("1.running_mean"). StateDict and LoadStateDict include buffers, as
// PyTorch's state_dict does; Parameters and Tensors, and so optimizers, do
// not. A container of your own that holds BatchNorm layers should implement
// Buffered the way Sequential does.
//
// SaveFile and LoadFile write and read a model's state dict as a
// .safetensors file with PyTorch's names and dtypes: num_batches_tracked, a
// float64 count in nabla, is stored as an I64 scalar as PyTorch stores it. A
// file PyTorch writes with safetensors.torch.save_file(model.state_dict(),
// path) loads into the same model built with nn, and the reverse;
// StateFile and LoadStateFile do the same in memory. The parity tests check
// this on three small networks (testdata/make_fixtures.py): outputs in both
// modes, running statistics and gradients agree with PyTorch's to 1e-10 in
// float64.
//
// Modules start in training mode. Eval(m) switches m and everything inside it
// to evaluation mode, where Dropout is the identity and BatchNorm uses its
// running statistics; Train(m) switches back.
//
// A module's Forward may run in several goroutines at once when it only
// reads the module, which every layer does in evaluation mode. In training
// mode Dropout draws from its generator and BatchNorm updates its running
// statistics, so such a module must not run Forward concurrently.
//
// # Randomness and dtypes
//
// Every constructor that draws initial values takes a *rand.Rand, so the same
// seed gives the same network on every machine; Dropout draws its masks from
// its own generator. Linear, Embedding and the convolutions initialise as
// PyTorch does; XavierUniform, XavierNormal, KaimingUniform, KaimingNormal,
// Uniform, Normal, Constant and Zero re-initialise any parameter in place.
// Parameters (and buffers) are float64 unless the constructor is given
// WithDType(nabla.Float32); inputs must then be float32 too.
//
// # Losses
//
// Losses are functions of a prediction and a target, reduced by Mean (the
// default zero value), Sum or None: MSELoss, L1Loss, HuberLoss, BCELoss (on
// probabilities, logs clamped at −100), BCEWithLogitsLoss (on logits),
// CrossEntropyLoss (on logits, with integer class labels) and NLLLoss (on
// log-probabilities). CrossEntropyLoss and NLLLoss take a *ClassOptions for
// class weights and label smoothing; nil means none.
//
// The losses are written to stay finite where the naive formula is not.
// BCEWithLogitsLoss uses softplus and never multiplies a zero label by an
// infinite term, so logits of ±1000 give exact losses and ±Inf give 0 (or +Inf
// for a wrong label) and finite gradients, never NaN. CrossEntropyLoss goes
// through LogSoftmax, so logits 1000 apart are exact. Prefer the logit forms
// to applying Sigmoid or Softmax first.
//
// Misuse — a label out of range, a shape that does not fit a layer, a
// probability outside [0, 1] — panics with a *nabla.Error whose Op starts with
// "nn." and whose Where points at the calling line.
package nn
