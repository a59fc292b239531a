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
// LayerNorm, Embedding and Flatten. Their fields (Weight, Bias, Layers) are
// exported, so a model can be inspected or rewired directly. A module of your
// own needs only Forward and Parameters; if it contains other modules, a
// Children method (the Container interface) lets Train and Eval reach them.
//
// Parameter names follow PyTorch's state_dict: a Sequential names its
// layers' parameters by index ("0.weight", "0.bias", "2.weight"), so a state
// dict saved from an nn.Sequential in PyTorch has the same keys. StateDict
// returns the parameters by name and LoadStateDict copies values back,
// returning an error that names every missing or unexpected key and shape
// mismatch. Tensors gives the bare parameter list an optimizer takes, and
// ZeroGrad clears every parameter's gradient (gradients accumulate, as in
// PyTorch).
//
// Modules start in training mode. Eval(m) switches m and everything inside it
// to evaluation mode, where Dropout is the identity; Train(m) switches back.
//
// # Randomness and dtypes
//
// Every constructor that draws initial values takes a *rand.Rand, so the same
// seed gives the same network on every machine; Dropout draws its masks from
// its own generator. Linear and Embedding initialise as PyTorch does;
// XavierUniform, XavierNormal, KaimingUniform, KaimingNormal, Uniform, Normal,
// Constant and Zero re-initialise any parameter in place. Parameters are
// float64 unless the constructor is given WithDType(nabla.Float32); inputs must
// then be float32 too.
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
