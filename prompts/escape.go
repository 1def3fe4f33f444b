package prompts

import (
	"regexp"
	"strings"
	"text/template"
)

// Passages reach the model fenced, one per element:
//
//	<passage id="3" title="Talks offer exit" published="2014-01-26">
//	The Syrian government offered to let women and children leave.
//	</passage>
//
// Article text is written by strangers, so nothing in it may look like
// structure: a body holding "</passage>" must not close its fence, one
// holding `<passage id="9">` must not open another, and a line "[6] Official
// statement" must not pass for a citation or a passage of its own. The
// functions below, used by the templates, make that so:
//
//   - '<' and '>' (and their full-width and small forms) become "&lt;" and
//     "&gt;" everywhere, so no text can write a tag;
//   - in attribute values, '"' becomes "&quot;" and every run of white space
//     (line breaks included) one space, so a value cannot end early nor
//     spill onto a line of its own;
//   - a number in square brackets, "[6]" or "[1, 12]", becomes "(6)" or
//     "(1, 12)", so the only bracketed numbers in a prompt are the model's
//     own citations; the rules say text may hold such numbers.
//
// '&' is left alone: fences need only '<' escaped, and news text is full of
// "AT&T" and "Q&A" that the model should quote as they are. Other text is
// unchanged.

// markupReplacer escapes the characters that could write a tag.
var markupReplacer = strings.NewReplacer(
	"<", "&lt;", ">", "&gt;",
	"\uFF1C", "&lt;", "\uFF1E", "&gt;", // full-width < >
	"\uFE64", "&lt;", "\uFE65", "&gt;", // small < >
)

// attrReplacer additionally escapes the quote that ends an attribute value.
var attrReplacer = strings.NewReplacer(
	"<", "&lt;", ">", "&gt;",
	"\uFF1C", "&lt;", "\uFF1E", "&gt;",
	"\uFE64", "&lt;", "\uFE65", "&gt;",
	`"`, "&quot;",
)

// citeLike matches what a reader (or the answer pipeline) would take for a
// citation: one or more numbers, separated by commas or semicolons, in
// square brackets.
var citeLike = regexp.MustCompile(`\[(\s*\d+(?:\s*[,;]\s*\d+)*\s*)\]`)

// lineBreaks normalises every line terminator to "\n", so that a lone "\r"
// or a Unicode line separator cannot start a line the fences do not see.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n", "\u0085", "\n", "\v", "\n", "\f", "\n")

// DefuseCitations rewrites bracketed numbers as parenthesised ones, so
// that text shown to a model or a user cannot pass for a citation.
func DefuseCitations(s string) string {
	return citeLike.ReplaceAllString(s, "($1)")
}

// escapeText returns s ready to be the body of a fence: markup escaped,
// bracketed numbers defused, line breaks normalised and surrounding blank
// lines removed. Text without '<', '>' or bracketed numbers is unchanged
// but for those line breaks.
func escapeText(s string) string {
	s = lineBreaks.Replace(s)
	s = strings.Trim(s, "\n")
	return DefuseCitations(markupReplacer.Replace(s))
}

// escapeLine is escapeText for text that must stay on one line (a dated
// sentence, the question, a topic): every run of white space, line breaks
// included, becomes one space.
func escapeLine(s string) string {
	return DefuseCitations(markupReplacer.Replace(strings.Join(strings.Fields(s), " ")))
}

// escapeAttr returns s ready to be an attribute value between double
// quotes: on one line, with markup and quotes escaped and bracketed numbers
// defused.
func escapeAttr(s string) string {
	return DefuseCitations(attrReplacer.Replace(strings.Join(strings.Fields(s), " ")))
}

// funcs are the escaping functions the templates call.
var funcs = template.FuncMap{
	"text": escapeText,
	"line": escapeLine,
	"attr": escapeAttr,
}
