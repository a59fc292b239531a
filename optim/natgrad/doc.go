// Package natgrad trains classifiers by natural-gradient descent: each step
// moves the parameters along (F + λI)⁻¹g, the gradient g of the loss
// preconditioned by the damped Fisher information F of the model's
// predictive distribution, instead of along g itself (Amari 1998). The step
// is then the same whatever the parameterisation: it follows the steepest
// descent in the geometry of the distributions the model defines, measured
// by their KL divergence, not of the raw parameter vector.
//
// # Matrix-free
//
// F is never formed. For a softmax classifier trained with cross-entropy the
// Fisher equals the generalised Gauss–Newton matrix
//
//	F = (1/N) Σₙ Jₙᵀ (diag pₙ − pₙpₙᵀ) Jₙ
//
// where Jₙ is the Jacobian of example n's logits with respect to the
// parameters and pₙ its softmax probabilities (Martens 2014, "New insights
// and perspectives on the natural gradient method"). A product F·v needs J·v,
// the output Hessian, and Jᵀ·(…): Jᵀu is one VJP of the logits; J·v is the
// derivative of the linear map u ↦ ⟨Jᵀu, v⟩ with respect to u, a second VJP
// through the recorded first one (an nn model reads its parameters from its
// fields, where forward-mode tangents cannot be attached, so the JVP is taken
// as the transpose of a VJP). One forward pass serves every product of a step.
// Conjugate gradients then solve (F + λI)d = g with a few such products, as in
// Martens' Hessian-free optimisation (2010).
//
// # A training step
//
// The optimizer needs more than the gradient: the function computing the
// logits of the batch, and the labels, so that it can form Fisher-vector
// products there:
//
//	opt := natgrad.New(nn.Tensors(model), natgrad.Defaults())
//	for range steps {
//		loss := opt.Step(func() *nabla.Tensor { return model.Forward(x) }, labels)
//		_ = loss
//	}
//
// Fisher exposes the products themselves and CG the solver, for other uses
// (a trust region, a Newton–CG step).
//
// # K-FAC
//
// KFAC approximates each Linear layer's block of F by a Kronecker product
// A ⊗ G of two small matrices, whose inverse is the product of their
// inverses (Martens & Grosse 2015): no conjugate gradients, and a step whose
// cost is one gradient, one backward pass per class for G, and two
// inversions of the size of the layer's input and output:
//
//	kf := natgrad.NewKFAC(model, natgrad.KFACDefaults())
//	loss := kf.Step(x, labels)
package natgrad
