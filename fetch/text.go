package fetch

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockAtoms are the elements that start a new paragraph of plain text.
var blockAtoms = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Br: true, atom.Dd: true, atom.Details: true, atom.Div: true, atom.Dl: true,
	atom.Dt: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true,
	atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Header: true, atom.Hr: true, atom.Li: true,
	atom.Main: true, atom.Nav: true, atom.Ol: true, atom.P: true, atom.Pre: true,
	atom.Section: true, atom.Summary: true, atom.Table: true, atom.Td: true,
	atom.Th: true, atom.Tr: true, atom.Ul: true, atom.Caption: true,
}

// skipAtoms are elements whose content is never article text.
var skipAtoms = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Iframe: true, atom.Object: true,
	atom.Button: true, atom.Select: true, atom.Textarea: true, atom.Head: true,
}

// plainText renders an HTML subtree in the corpus body format: one paragraph
// per block element (paragraph, heading, list item, caption, cell…), white
// space collapsed inside a paragraph, a blank line between paragraphs.
// Hidden elements (the hidden attribute, aria-hidden, display:none) are left
// out.
func plainText(root *html.Node) string {
	var paras []string
	var cur strings.Builder
	flush := func() {
		if p := collapse(cur.String()); p != "" {
			paras = append(paras, p)
		}
		cur.Reset()
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
			return
		case html.ElementNode:
			if skipAtoms[n.DataAtom] || hidden(n) {
				return
			}
		}
		block := n.Type == html.ElementNode && blockAtoms[n.DataAtom]
		if block {
			flush()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			flush()
		} else if n.Type == html.ElementNode && n.DataAtom == atom.Img {
			cur.WriteString(" ")
		}
	}
	walk(root)
	flush()
	return strings.Join(paras, "\n\n")
}

// hidden reports whether an element is marked as not displayed.
func hidden(n *html.Node) bool {
	if _, ok := attrOK(n, "hidden"); ok {
		return true
	}
	if strings.EqualFold(attr(n, "aria-hidden"), "true") {
		return true
	}
	style := strings.ToLower(strings.ReplaceAll(attr(n, "style"), " ", ""))
	return strings.Contains(style, "display:none") || strings.Contains(style, "visibility:hidden")
}

// wordCount counts the white-space separated words of s.
func wordCount(s string) int { return len(strings.Fields(s)) }
