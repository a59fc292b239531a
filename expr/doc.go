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
// Functions (the table nabla.Functions), with the nabla function each calls:
//
//	abs(x)        |x| for each entry, with derivative 0 at 0 (Abs)
//	atan2(a, b)   angle of the point (b, a) elementwise, in [-π, π], broadcasting (Atan2)
//	cos(x)        cosine of each entry (Cos)
//	dot(a, b)     inner product of two vectors of equal length (Dot)
//	exp(x)        e^x for each entry (Exp)
//	expm1(x)      e^x - 1 for each entry, accurate for small x (Expm1)
//	log(x)        natural logarithm of each entry (Log)
//	log1p(x)      log(1+x) for each entry, accurate for small x (Log1p)
//	logsumexp(x)  log of the sum of e^x over all entries, computed stably (LogSumExp)
//	max(a, b)     elementwise maximum, broadcasting; ties share the gradient (Maximum)
//	mean(x)       mean of all entries (Mean)
//	min(a, b)     elementwise minimum, broadcasting; ties share the gradient (Minimum)
//	norm(x)       Euclidean norm of all entries (Norm)
//	pow(a, b)     a^b elementwise, broadcasting (Pow)
//	relu(x)       max(x, 0) for each entry, with derivative 0 at 0 (Relu)
//	sigmoid(x)    1/(1+e^-x) for each entry (Sigmoid)
//	sin(x)        sine of each entry (Sin)
//	softplus(x)   log(1+e^x) for each entry, computed stably (Softplus)
//	sqrt(x)       square root of each entry (Sqrt)
//	sum(x)        sum of all entries (Sum)
//	tan(x)        tangent of each entry (Tan)
//	tanh(x)       hyperbolic tangent of each entry (Tanh)
//
// This list is generated from the table (go generate ./expr). A power a^b,
// like pow(a, b), is PowScalar when b has no variable and Pow otherwise;
// w[i] is Index; reductions (sum, mean, norm, logsumexp) are over all entries.
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

//go:generate go run ./internal/gendoc doc.go
