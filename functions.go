package nabla

import "sort"

// Function is one function of the expression language (package expr and the
// nabla command's calculus commands): the name an expression calls it by,
// how many arguments it takes, a one-line description and the nabla function
// it calls. The table of them, Functions, is the only list of the language's
// functions: the expression parser, its evaluator, the package documentation
// of expr and the command's help are all derived from it.
type Function struct {
	// Name is the name used in expressions, such as "sin".
	Name string
	// Arity is the number of arguments the function takes; every function
	// of the language takes a fixed number of them.
	Arity int
	// Doc describes the function in one line, naming the nabla function it
	// calls, such as "sine of each entry (Sin)".
	Doc string
	// Call applies the function to exactly Arity tensors. It panics with an
	// *Error on a misuse (shapes that do not match), like the nabla function
	// it calls.
	Call func(xs ...*Tensor) *Tensor
}

// unaryFunction and binaryFunction adapt a nabla function of one or two
// tensors to Function.Call.
func unaryFunction(name, doc string, f func(*Tensor) *Tensor) Function {
	return Function{Name: name, Arity: 1, Doc: doc, Call: func(xs ...*Tensor) *Tensor { return f(xs[0]) }}
}

func binaryFunction(name, doc string, f func(a, b *Tensor) *Tensor) Function {
	return Function{Name: name, Arity: 2, Doc: doc, Call: func(xs ...*Tensor) *Tensor { return f(xs[0], xs[1]) }}
}

// reduction adapts a reduction over given axes to a Function reducing over
// all entries.
func reduction(name, doc string, f func(*Tensor, ...int) *Tensor) Function {
	return unaryFunction(name, doc, func(x *Tensor) *Tensor { return f(x) })
}

// functionTable is built once, at initialisation, sorted by name, and never
// changed; Functions hands out copies.
var functionTable = sortFunctions([]Function{
	unaryFunction("exp", "e^x for each entry (Exp)", Exp),
	unaryFunction("log", "natural logarithm of each entry (Log)", Log),
	unaryFunction("log1p", "log(1+x) for each entry, accurate for small x (Log1p)", Log1p),
	unaryFunction("expm1", "e^x - 1 for each entry, accurate for small x (Expm1)", Expm1),
	unaryFunction("sqrt", "square root of each entry (Sqrt)", Sqrt),
	unaryFunction("abs", "|x| for each entry, with derivative 0 at 0 (Abs)", Abs),
	unaryFunction("sin", "sine of each entry (Sin)", Sin),
	unaryFunction("cos", "cosine of each entry (Cos)", Cos),
	unaryFunction("tan", "tangent of each entry (Tan)", Tan),
	unaryFunction("tanh", "hyperbolic tangent of each entry (Tanh)", Tanh),
	unaryFunction("sigmoid", "1/(1+e^-x) for each entry (Sigmoid)", Sigmoid),
	unaryFunction("relu", "max(x, 0) for each entry, with derivative 0 at 0 (Relu)", Relu),
	unaryFunction("softplus", "log(1+e^x) for each entry, computed stably (Softplus)", Softplus),
	binaryFunction("atan2", "angle of the point (b, a) elementwise, in [-π, π], broadcasting (Atan2)", Atan2),
	binaryFunction("pow", "a^b elementwise, broadcasting (Pow)", Pow),
	binaryFunction("max", "elementwise maximum, broadcasting; ties share the gradient (Maximum)", Maximum),
	binaryFunction("min", "elementwise minimum, broadcasting; ties share the gradient (Minimum)", Minimum),
	binaryFunction("dot", "inner product of two vectors of equal length (Dot)", Dot),
	reduction("sum", "sum of all entries (Sum)", Sum),
	reduction("mean", "mean of all entries (Mean)", Mean),
	reduction("norm", "Euclidean norm of all entries (Norm)", Norm),
	reduction("logsumexp", "log of the sum of e^x over all entries, computed stably (LogSumExp)", LogSumExp),
})

// functionIndex maps a name to its place in functionTable.
var functionIndex = indexFunctions(functionTable)

func sortFunctions(fs []Function) []Function {
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	return fs
}

func indexFunctions(fs []Function) map[string]int {
	index := make(map[string]int, len(fs))
	for i, f := range fs {
		if _, dup := index[f.Name]; dup {
			panic("nabla: function " + f.Name + " is listed twice")
		}
		index[f.Name] = i
	}
	return index
}

// Functions returns the functions of the expression language, sorted by
// name. The slice is a copy: changing it changes nothing else.
func Functions() []Function {
	return append([]Function(nil), functionTable...)
}

// LookupFunction returns the function of the expression language called
// name, and whether there is one.
func LookupFunction(name string) (Function, bool) {
	i, ok := functionIndex[name]
	if !ok {
		return Function{}, false
	}
	return functionTable[i], true
}
