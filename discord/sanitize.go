package discord

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file is the one place where text the bot did not write (article
// titles and quotes, model answers, summaries, timelines, users' words)
// is made safe to show in Discord: it shows as written, cannot format the
// message around it, cannot disguise a link, and cannot become a live
// invite. Mentions are handled elsewhere: every message carries
// noMentions.

// markdownChars are the characters escaped with a backslash: emphasis,
// strike-through, code, spoilers, block quotes, headings and subtext,
// masked-link brackets, and < > (links, mentions, channels, emoji,
// timestamps). The backslash itself is escaped first, so that text cannot
// cancel an escape. Discord shows any escaped punctuation as itself.
const markdownChars = "\\*_~`|<>[]#"

// zwsp is the zero-width space put inside Discord invites and, in plain
// text, between the parts of a masked link: invisible, but enough that
// Discord no longer recognises either.
const zwsp = "\u200b"

// inviteRe matches where a Discord invite starts, as Discord recognises
// one, with or without a scheme, in any case: discord.gg/…,
// discord.com/invite/…, discordapp.com/invite/….
// A trailing dot on the host or a port ("discord.gg.:443/…") is still an
// invite.
var inviteRe = regexp.MustCompile(`(?i)(discord(?:app)?)(\.(?:gg\.?(?::\d*)?/|com\.?(?::\d*)?/invite/))`)

// defusedInviteRe matches an invite defused by defuseInvites.
var defusedInviteRe = regexp.MustCompile(`(?i)(discord(?:app)?)` + zwsp + `(\.)`)

// escapeMarkdown returns s escaped to show as written in a Markdown
// message: for titles, quotes and users' words. Invites in it are defused.
func escapeMarkdown(s string) string { return defuseInvites(escape(s, false)) }

// safeProse is escapeMarkdown for answers, summaries and timelines: it
// keeps their citation markers [1], [2][3], and their http(s) links,
// bare or in <…>, so that both still work; only a link's "](" is broken.
func safeProse(s string) string { return defuseInvites(escape(s, true)) }

// plainText makes s safe where Discord shows no Markdown, such as a
// thread name: a zero-width space breaks masked links and invites, so
// that nothing changes to the eye.
func plainText(s string) string {
	return defuseInvites(strings.ReplaceAll(s, "](", "]"+zwsp+"("))
}

// unescape reverses escapeMarkdown and safeProse: what a message the bot
// wrote says, for reading its answers back.
func unescape(s string) string {
	s = defusedInviteRe.ReplaceAllString(s, "$1$2")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (strings.IndexByte(markdownChars, s[i+1]) >= 0 || s[i+1] == '(') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escape writes s with a backslash before each of markdownChars, and
// before a "(" that follows a "]", so that no masked link [text](url) is
// left, whether or not its brackets are escaped. In prose, citation
// markers and http(s) links are copied as they are (but for a link's
// "](").
func escape(s string, prose bool) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	var prev byte // the last byte written from s
	for i := 0; i < len(s); {
		if prose {
			if n := markerLen(s[i:]); n > 0 {
				b.WriteString(s[i : i+n])
				i, prev = i+n, ']'
				continue
			}
			if n := linkLen(s[i:]); n > 0 {
				b.WriteString(strings.ReplaceAll(s[i:i+n], "](", `]\(`))
				i, prev = i+n, s[i+n-1]
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		if c := s[i]; strings.IndexByte(markdownChars, c) >= 0 || (c == '(' && prev == ']') {
			b.WriteByte('\\')
		}
		b.WriteString(s[i : i+size])
		i, prev = i+size, s[i+size-1]
	}
	return b.String()
}

// markerLen returns the length of the citation marker ("[1]" to "[999]")
// that s starts with, or 0.
func markerLen(s string) int {
	if len(s) < 3 || s[0] != '[' {
		return 0
	}
	for i := 1; i < len(s) && i <= 4; i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == ']' && i > 1:
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

// linkLen returns the length of the http(s) link that s starts with,
// bare or as <link>, or 0. A link ends at the first notInLink.
func linkLen(s string) int {
	open := strings.HasPrefix(s, "<")
	rest := strings.TrimPrefix(s, "<")
	if !hasPrefixFold(rest, "http://") && !hasPrefixFold(rest, "https://") {
		return 0
	}
	n := strings.IndexFunc(rest, notInLink)
	switch {
	case n < 0:
		n = len(rest)
	case open && rest[n] == '>':
		return n + 2 // <link>
	}
	if open {
		return 0 // a lone "<" is escaped; the link after it is read next
	}
	return n
}

// notInLink reports whether r ends a link in prose, or rules out a
// source's link: a space, a control or invisible formatting character
// (which could hide or reorder what is shown), a backslash, < or >.
func notInLink(r rune) bool {
	return unicode.IsSpace(r) || unicode.In(r, unicode.Cc, unicode.Cf) || strings.ContainsRune(`\<>`, r)
}

// hasPrefixFold reports whether s starts with prefix, in any case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// defuseInvites puts a zero-width space in every Discord invite in s.
func defuseInvites(s string) string {
	return inviteRe.ReplaceAllString(s, "${1}"+zwsp+"${2}")
}

// maxURLRunes bounds a source's link, so that a source line is bounded.
const maxURLRunes = 512

// safeURL returns raw if it is a link the bot may show inside <…>: an
// absolute http(s) URL with a host, of at most maxURLRunes, with no
// notInLink character, and not a Discord invite. Otherwise it returns "", and the link is left out.
func safeURL(raw string) string {
	if raw == "" || !utf8.ValidString(raw) || utf8.RuneCountInString(raw) > maxURLRunes || inviteRe.MatchString(raw) {
		return ""
	}
	if strings.ContainsFunc(raw, notInLink) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return raw
}
