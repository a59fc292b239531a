package expr

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a mistake in an expression or in a value typed by a person: Src is
// the text, Pos the rune offset of the offending place in it (-1 when no single
// place is to blame), Msg what is wrong and what was expected.
type Error struct {
	Src string
	Pos int
	Msg string
}

// Error formats the message and, when the error has a place, the text on a
// second line with a caret under that place on a third.
func (e *Error) Error() string {
	if e.Pos < 0 {
		return e.Msg
	}
	// Newlines and tabs would move the caret: show them as spaces.
	line := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r == '\r' {
			return ' '
		}
		return r
	}, e.Src)
	pos := min(e.Pos, utf8.RuneCountInString(line))
	return fmt.Sprintf("column %d: %s\n  %s\n  %s^", pos+1, e.Msg, line, strings.Repeat(" ", pos))
}

func errorf(src string, pos int, format string, args ...any) *Error {
	return &Error{Src: src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
