// Package gradcheck verifies derivatives by finite differences, like
// torch.autograd.gradcheck and gradgradcheck.
//
// Check compares, entry by entry, three Jacobians of a function of float64
// tensors: the one built row by row from nabla's reverse mode (one backward
// pass per output element), the one built column by column from forward mode
// (one dual evaluation per input element), and the numerical one from central
// differences (f(x+ε) − f(x−ε)) / 2ε. An entry passes when
// |analytic − numeric| ≤ Atol + Rtol·|numeric|. It also runs a backward pass
// twice and requires identical results.
//
// With Options.Fast, Check does not form Jacobians: it draws random directions
// u (inputs) and v (output) and compares the three numbers ⟨Jᵀv, u⟩ (reverse),
// ⟨Ju, v⟩ (forward) and ⟨(f(x+εu) − f(x−εu))/2ε, v⟩ (numerical), the
// dot-product test, at the cost of a few evaluations whatever the sizes.
//
// CheckSecondOrder applies the same checks to the gradient function
// x ↦ ∂⟨v, f(x)⟩/∂x computed with a recorded backward pass, which validates the
// derivative rules' own derivatives (Hessian-vector products and beyond).
//
// Central differences in float64 with ε = 1e-6 are accurate to about 1e-8 for
// smooth functions of moderate size; inputs must avoid points where f is not
// differentiable (kinks of relu and abs, ties of max).
package gradcheck
