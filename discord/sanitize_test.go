package discord

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// What Discord would turn into a masked link or a live invite, read from
// the raw content as Discord's own patterns read it: a test fails if any
// text the bot sends matches one.
var (
	liveMaskedLink = regexp.MustCompile(`(?i)\[[^\]]*\]\(\s*<?https?://`)
	liveInvite     = regexp.MustCompile(`(?i)(?:https?://)?(?:[a-z]+\.)?discord(?:app)?\.(?:gg|com/invite)/[a-z0-9-]+`)
)

// checkSafe reports text that holds a live masked link or invite.
func checkSafe(t *testing.T, what, text string) {
	t.Helper()
	if m := liveMaskedLink.FindString(text); m != "" {
		t.Errorf("%s has a live masked link %q:\n%s", what, m, text)
	}
	if m := liveInvite.FindString(text); m != "" {
		t.Errorf("%s has a live invite %q:\n%s", what, m, text)
	}
}

func TestEscapeMarkdown(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Civilians evacuated from Homs, 58 of them", "Civilians evacuated from Homs, 58 of them"},
		{"bold and link break-out", "Homs** — <http://evil>", `Homs\*\* — \<http://evil\>`},
		{"code, spoiler, strike, italics", "`x` ||hidden|| ~~no~~ _it_", "\\`x\\` \\|\\|hidden\\|\\| \\~\\~no\\~\\~ \\_it\\_"},
		{"masked link", "[x](http://e)", `\[x\]\(http://e)`},
		{"markers escaped in titles", "Report [1]", `Report \[1\]`},
		{"heading, quote, subtext", "# Big > quoted -# small", `\# Big \> quoted -\# small`},
		{"mention and emoji", "<@123> <:e:456>", `\<@123\> \<:e:456\>`},
		{"backslash cannot cancel an escape", `a\*b*`, `a\\\*b\*`},
		{"invite", "join discord.gg/abc", "join discord" + zwsp + ".gg/abc"},
		{"invite with a trailing dot", "join https://discord.gg./abc", "join https://discord" + zwsp + ".gg./abc"},
		{"parentheses alone untouched", "(AP) said", "(AP) said"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := escapeMarkdown(tc.in); got != tc.want {
				t.Errorf("escapeMarkdown(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSafeProse(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"markers intact", "58 people left [1]. Then [2][3].", "58 people left [1]. Then [2][3]."},
		{"masked link shows its URL", "See [the report](http://evil.example/x) now", `See \[the report\]\(http://evil.example/x) now`},
		{"masked link with <url>", "[a](<https://e.example>)", `\[a\]\(<https://e.example>)`},
		{"marker as a masked link", "Friday [1](https://evil.example).", `Friday [1]\(https://evil.example).`},
		{"bare link kept whole", "at https://example.com/a_b#c, said", "at https://example.com/a_b#c, said"},
		{"link in <> kept", "see <https://example.com/a_b> [2]", "see <https://example.com/a_b> [2]"},
		{"link ends at a backslash", `http://a.example/x\*y`, `http://a.example/x\\\*y`},
		{"a lone < escaped", "<https://a.example x", `\<https://a.example x`},
		{"masked link inside a link", "https://a.example/[x](http://b)", `https://a.example/[x]\(http://b)`},
		{"invites in any case, with or without scheme", "HTTPS://Discord.com/invite/x, discordapp.com/invite/y, discord.gg/z",
			"HTTPS://Discord" + zwsp + ".com/invite/x, discordapp" + zwsp + ".com/invite/y, discord" + zwsp + ".gg/z"},
		{"spoofed sources heading", "**Sources**\n> quote", "\\*\\*Sources\\*\\*\n\\> quote"},
		{"everyone left to allowed_mentions", "@everyone", "@everyone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := safeProse(tc.in)
			if got != tc.want {
				t.Errorf("safeProse(%q) = %q, want %q", tc.in, got, tc.want)
			}
			checkSafe(t, "safeProse", got)
			if back := unescape(got); back != tc.in {
				t.Errorf("unescape(%q) = %q, want %q", got, back, tc.in)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	in := "what about [x](https://evil.example) and discord.gg/q?"
	want := "what about [x]" + zwsp + "(https://evil.example) and discord" + zwsp + ".gg/q?"
	if got := plainText(in); got != want {
		t.Errorf("plainText(%q) = %q, want %q", in, got, want)
	}
}

func TestSafeURL(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"https", "https://example.com/homs?id=1#x", true},
		{"http, scheme in capitals", "HTTP://example.com/a", true},
		{"javascript", "javascript:alert(1)", false},
		{"ftp", "ftp://example.com/a", false},
		{"relative", "/news/homs", false},
		{"scheme-relative", "//example.com/a", false},
		{"no host", "http:///a", false},
		{"space", "http://a b", false},
		{"newline", "https://example.com/a\nb", false},
		{"closes the <link>", "https://example.com/a>b", false},
		{"opens another", "https://example.com/<a", false},
		{"invisible character", "https://example.com/\u202egnp.exe", false},
		{"invite", "https://discord.gg/abc", false},
		{"invite with a port", "https://discord.gg:443/abc", false},
		{"invite with a trailing dot", "https://discord.gg./abc", false},
		{"invite on discord.com with a port", "https://discord.com:443/invite/abc", false},
		{"too long", "https://example.com/" + strings.Repeat("a", maxURLRunes), false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := safeURL(tc.in)
			if tc.ok && got != tc.in || !tc.ok && got != "" {
				t.Errorf("safeURL(%q) = %q, want shown %t", tc.in, got, tc.ok)
			}
		})
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add("See [x](http://e) at discord.gg/abc [1][2] **b** <https://a.example>")
	f.Add(`\](http://x` + "\n# h")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.Contains(s, zwsp) {
			return
		}
		for name, esc := range map[string]func(string) string{"escapeMarkdown": escapeMarkdown, "safeProse": safeProse} {
			got := esc(s)
			checkSafe(t, name+"("+s+")", got)
			if back := unescape(got); back != s {
				t.Fatalf("unescape(%s(%q)) = %q", name, s, back)
			}
		}
		checkSafe(t, "plainText", plainText(s))
	})
}
