package lsp

// This file is the table of builtin signatures and one-line docs that
// hover and completion show, taken from spec/language.md §10. A test
// checks that it names every function and method package vm defines.

// builtinDoc is a builtin's signature and what it does.
type builtinDoc struct{ sig, doc string }

// builtins documents the standard library's functions.
var builtins = map[string]builtinDoc{
	"print":       {"print(a, …)", "Writes the str() of each argument, separated by spaces, and a newline."},
	"len":         {"len(x)", "Length of a string or bytes (in bytes), list, map or range."},
	"str":         {"str(x)", "The string form of x."},
	"repr":        {"repr(x)", "The source-like form of x."},
	"type":        {"type(x)", "The name of x's type."},
	"int":         {"int(x), int(s, base)", "An int from a float (truncating), bool or string (base 2–36, or 0 for prefixes)."},
	"float":       {"float(x)", "Converts x to a float."},
	"bool":        {"bool(x)", "Converts x to a bool."},
	"bytes":       {"bytes(x)", "The bytes of a string."},
	"hex":         {"hex(x)", "The hexadecimal form of an int or bytes: \"0xff\"."},
	"chr":         {"chr(i)", "The character of a code point."},
	"ord":         {"ord(c)", "The code point of a character."},
	"range":       {"range(stop), range(start, stop[, step])", "An int range; step 0 is a value_error."},
	"list":        {"list(x)", "A new list of the elements of a list, string, bytes, map (keys) or range."},
	"sort":        {"sort(x[, f])", "A new sorted list; f of one parameter is a key, of two a comparison."},
	"reversed":    {"reversed(x)", "A new reversed list."},
	"min":         {"min(…)", "The smallest of several arguments or of one sequence."},
	"max":         {"max(…)", "The largest of several arguments or of one sequence."},
	"sum":         {"sum(x)", "The sum of a sequence."},
	"abs":         {"abs(x)", "The absolute value of a number."},
	"floor":       {"floor(x)", "The largest int not above x."},
	"ceil":        {"ceil(x)", "The smallest int not below x."},
	"round":       {"round(x)", "The nearest int, halves away from zero."},
	"trunc":       {"trunc(x)", "x without its fraction, as an int."},
	"sqrt":        {"sqrt(x)", "Square root, a float."},
	"exp":         {"exp(x)", "e to the power x, a float."},
	"log":         {"log(x[, base])", "Logarithm, natural unless base is given."},
	"pow":         {"pow(x, y)", "x to the power y (an int for two ints with y ≥ 0)."},
	"sin":         {"sin(x)", "Sine, a float."},
	"cos":         {"cos(x)", "Cosine, a float."},
	"tan":         {"tan(x)", "Tangent, a float."},
	"asin":        {"asin(x)", "Arc sine, a float."},
	"acos":        {"acos(x)", "Arc cosine, a float."},
	"atan":        {"atan(x)", "Arc tangent, a float."},
	"atan2":       {"atan2(y, x)", "Arc tangent of y/x in the right quadrant."},
	"is_nan":      {"is_nan(x)", "Whether x is a float nan."},
	"is_inf":      {"is_inf(x)", "Whether x is an infinite float."},
	"format":      {"format(f, args…)", "printf-style formatting with Go's verbs, flags, width and precision."},
	"json_encode": {"json_encode(v[, indent])", "JSON text of nil, bools, numbers, strings, lists and string-keyed maps."},
	"json_decode": {"json_decode(s)", "The value of JSON text."},
	"error":       {"error([kind,] msg)", "An error value."},
	"coroutine":   {"coroutine(fn)", "A new coroutine that runs fn when first switched to."},
	"current":     {"current()", "The running coroutine."},
	"version":     {"version(name)", "Whether this run takes the version marker name (a string literal)."},
	"dump":        {"dump(v)", "Snapshot bytes of v and everything it reaches."},
	"load":        {"load(b)", "The value whose snapshot bytes b are; each load is an independent copy."},
	// Twins of methods, taking the receiver first.
	"split":       {"split(s[, sep])", "s.split(sep): the parts of s between separators."},
	"join":        {"join(x, y)", "The join method of x: list.join(sep) or sep.join(list)."},
	"upper":       {"upper(s)", "s.upper(): s in upper case."},
	"lower":       {"lower(s)", "s.lower(): s in lower case."},
	"trim":        {"trim(s[, chars])", "s.trim(chars): s without leading and trailing white space or chars."},
	"replace":     {"replace(s, old, new[, n])", "s.replace(old, new, n)."},
	"starts_with": {"starts_with(s, prefix)", "s.starts_with(prefix)."},
	"ends_with":   {"ends_with(s, suffix)", "s.ends_with(suffix)."},
	"find":        {"find(s, sub)", "s.find(sub): the index of sub in s, −1 if absent."},
	"contains":    {"contains(x, y)", "x.contains(y): membership in a string, list or map."},
	"push":        {"push(l, x, …)", "l.push(x, …): appends to a list."},
	"pop":         {"pop(x[, i])", "x.pop(i): removes and returns an element."},
	"insert":      {"insert(l, i, x)", "l.insert(i, x): puts x before element i."},
	"remove":      {"remove(x, y)", "x.remove(y): removes an element or key."},
	"keys":        {"keys(m)", "m.keys(): a map's keys, in insertion order."},
	"values":      {"values(m)", "m.values(): a map's values, in insertion order."},
	"items":       {"items(m)", "m.items(): a map's [key, value] pairs."},
}

// methodDocs documents the builtin methods, by type and name.
var methodDocs = map[string]map[string]string{
	"list": {
		"push": "push(x, …)", "pop": "pop([i])", "insert": "insert(i, x)", "remove": "remove(x)",
		"index": "index(x)", "contains": "contains(x)", "extend": "extend(l)", "reverse": "reverse()",
		"sort": "sort([f])", "copy": "copy()", "join": "join(sep)",
	},
	"map": {
		"get": "get(k[, default])", "keys": "keys()", "values": "values()", "items": "items()",
		"has": "has(k)", "contains": "contains(k)", "set": "set(k, v)", "pop": "pop(k[, default])",
		"remove": "remove(k)", "delete": "delete(k)", "copy": "copy()", "update": "update(m)",
	},
	"string": {
		"split": "split([sep])", "join": "join(list)", "trim": "trim([chars])",
		"trim_left": "trim_left([chars])", "trim_right": "trim_right([chars])", "upper": "upper()",
		"lower": "lower()", "replace": "replace(old, new[, n])", "starts_with": "starts_with(s)",
		"ends_with": "ends_with(s)", "contains": "contains(s)", "find": "find(s)", "count": "count(s)",
		"repeat": "repeat(n)", "lines": "lines()", "chars": "chars()", "bytes": "bytes()",
		"format": "format(args…)", "is_digit": "is_digit()", "is_alpha": "is_alpha()",
		"is_alnum": "is_alnum()", "is_space": "is_space()",
	},
	"bytes":     {"hex": "hex()", "str": "str()", "decode": "decode()"},
	"generator": {"next": "next()", "send": "send(x)", "raise": "raise(x)", "close": "close()"},
	"coroutine": {"switch": "switch(args…)"},
}
