// Package expr parses arithmetic expressions typed by a person, such as
// "sin(x) * exp(-y^2)" or "logsumexp(w) - dot(w, v)", and evaluates them on
// nabla tensors, so that the result is a nabla graph to differentiate. It is
// the language of the nabla command's calculus commands (grad, hessian,
// jacobian, check, graph).
//
// # Grammar
//
// Numbers (2, 0.5, 1e-3), variables (identifiers), + - * / with the usual
// precedence, the power operator ^ (or **), unary minus, parentheses, function
// calls and indexing a vector with an integer, w[0]. Power is right
// associative and binds tighter than unary minus: -x^2 is -(x^2) and 2^3^2 is
// 2^9 = 512. Several expressions are separated by semicolons (ParseList).
//
// Functions, with the nabla op each one maps onto:
//
//	exp log log1p expm1 sqrt abs     Exp Log Log1p Expm1 Sqrt Abs
//	sin cos tan tanh                 Sin Cos Tan Tanh
//	sigmoid relu softplus            Sigmoid Relu Softplus
//	pow(a, b), a^b                   PowScalar when b has no variable, Pow otherwise
//	max(a, b) min(a, b)              Maximum Minimum (elementwise)
//	sum mean norm logsumexp          Sum Mean Norm LogSumExp over all entries
//	dot(a, b), w[i]                  Dot Index
//
// A variable is a number or a vector (Point, ParsePoint: "x=2", "w=[1, 2.5, -3]");
// operations between a number and a vector broadcast. At the kinks nabla's
// conventions hold: relu'(0) = 0, abs'(0) = 0, ties of max and min share the
// gradient.
//
// # Errors
//
// Every mistake is an *Error that carries the text, the column of the
// offending place and what was expected there; its message shows the text with
// a caret under that column:
//
//	column 5: unknown function "foo": expected one of abs, cos, ...
//	  x + foo(x)
//	      ^
//
// Mistakes found while evaluating are errors at the operation's place too,
// never panics: operands whose shapes do not match (dot of vectors of
// different lengths), an index out of range, and a result that is NaN or
// infinite although its operands were finite (log of a negative number).
//
// # Parser
//
// Parsing is done by github.com/expr-lang/expr's parser, whose syntax tree is
// mapped onto the subset above; everything else it accepts (strings, maps,
// comparisons, closures, pipes, ...) is rejected at its place. It fits: its
// power operators ^ and ** bind tighter than unary minus (precedence 100
// against 90) and associate to the right, and every node keeps its position
// (a rune offset), which is what the caret needs. Its own messages ("unexpected
// token EOF") are rewritten to say what was expected, judging by the token
// before the offending place. FuzzParse checks that no input makes Parse or
// evaluation panic or hang.
//
// # Derivatives
//
// Derivatives returns a scalar expression's value, gradient and Hessian (each
// row a backward pass through a gradient recorded with nabla.CreateGraph),
// Jacobian those of several expressions, and CentralDifferences a numerical
// gradient that involves no derivative rule. The tests compare them with
// exact derivatives computed by sympy for a few hundred random expressions
// (testdata/sympy_golden.py).
package expr
