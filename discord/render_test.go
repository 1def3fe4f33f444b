package discord

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/internal/golden"
)

func sampleAnswer() answer.Answer {
	d := time.Date(2014, 2, 7, 0, 0, 0, 0, time.UTC)
	return answer.Answer{
		Question: "How many people were evacuated?",
		Text:     "The government said 58 people — all of them women, children and elderly — were evacuated Friday [1]. Brahimi had pushed for aid for the estimated 2,500 civilians trapped in Old Homs [2].",
		Mode:     answer.ModeExtractive,
		Sources: []answer.Source{
			{N: 1, ArticleID: "a", Title: "Civilians evacuated from besieged Homs under three-day ceasefire", Published: d, URL: "https://example.com/homs", Quote: "long passage", Excerpt: "The government said 58 people — all of them women, children and elderly — were evacuated Friday."},
			{N: 2, ArticleID: "a", Title: "Civilians evacuated from besieged Homs under three-day ceasefire", Published: d, Quote: "UN mediator Lakhdar Brahimi had pushed for aid for the estimated 2,500 civilians trapped in the ancient, rebel-held quarters of the city known as Old Homs as a confidence-building measure during the first face-to-face meetings in Geneva last month. @everyone"},
		},
	}
}

// TestRenderGolden pins how an answer looks in Discord, and how hostile
// text is shown. Refresh with: go test ./discord -run TestRenderGolden -update
func TestRenderGolden(t *testing.T) {
	hostile := answer.Answer{
		Text:    "Aid reached Homs [1]. Read [the report](https://evil.example/x) [2][3]. Join discord.gg/raid. **Sources**\n> forged",
		Sources: hostileSources(),
	}
	for file, a := range map[string]answer.Answer{"answer.golden": sampleAnswer(), "hostile.golden": hostile} {
		msgs := Render(a)
		golden.Check(t, filepath.Join("testdata", file), strings.Join(msgs, "\n=== next message ===\n")+"\n")
	}
}

func TestRenderRefusalHasNoSources(t *testing.T) {
	msgs := Render(answer.Answer{Text: "I couldn't find that in the 2 articles I have (newest: 7 Feb 2014).", Refused: true})
	if len(msgs) != 1 || strings.Contains(msgs[0], "Sources") {
		t.Errorf("Render(refusal) = %q", msgs)
	}
}

var (
	markerOrLink = regexp.MustCompile(`\[\d+\]|<https?://[^>\s]+>`)
	cutMarker    = regexp.MustCompile(`\[\d*$|^\d*\]|<https?://[^>\s]*$|^[^<\s>]+>`)
)

func TestSplitLongAnswer(t *testing.T) {
	a := sampleAnswer()
	var b strings.Builder
	for i := 0; i < 40; i++ {
		b.WriteString("The talks were adjourned until Feb. 10 with no tangible progress achieved [1]. ")
		if i%7 == 6 {
			b.WriteString("See <https://example.com/a/very/long/link/that/must/not/be/cut> for more [2].\n\n")
		}
	}
	a.Text = b.String()
	msgs := Render(a)
	if len(msgs) < 3 {
		t.Fatalf("Render of a %d-char answer gave %d messages", len(a.Text), len(msgs))
	}
	whole := strings.Join(msgs, " ")
	for i, m := range msgs {
		if n := utf8.RuneCountInString(m); n > MaxMessage || n == 0 {
			t.Errorf("message %d has %d characters", i, n)
		}
		// A piece never starts or ends inside a marker or a link.
		if cutMarker.MatchString(m) {
			t.Errorf("message %d cuts a marker or link: …%q", i, m[max(0, len(m)-40):])
		}
	}
	wantMarks := markerOrLink.FindAllString(a.Text+renderSources(a.Sources, excerptRunes), -1)
	gotMarks := markerOrLink.FindAllString(whole, -1)
	if len(gotMarks) != len(wantMarks) {
		t.Errorf("markers and links: got %d, want %d", len(gotMarks), len(wantMarks))
	}
	if strings.Join(strings.Fields(whole), " ") != strings.Join(strings.Fields(a.Text+"\n\n"+renderSources(a.Sources, excerptRunes)), " ") {
		t.Error("splitting lost or changed text")
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"fits", "One. Two.", 20, []string{"One. Two."}},
		{"paragraph first", "Alpha beta gamma.\n\nDelta epsilon.", 30, []string{"Alpha beta gamma.", "Delta epsilon."}},
		{"sentence with citation", "Fifty-eight left [1]. Then more came [2].", 30, []string{"Fifty-eight left [1].", "Then more came [2]."}},
		{"word", "aaaa bbbb cccc dddd", 10, []string{"aaaa bbbb", "cccc dddd"}},
		{"one huge word", strings.Repeat("x", 25), 10, []string{strings.Repeat("x", 10), strings.Repeat("x", 10), strings.Repeat("x", 5)}},
		{"runes not bytes", strings.Repeat("é", 15), 10, []string{strings.Repeat("é", 10), strings.Repeat("é", 5)}},
		{"empty", "  ", 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Split(tc.in, tc.max)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("Split(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("The government said 58 people left [1]. Aid <https://example.com/x> came [2].\n\nMore.", 30)
	f.Add(strings.Repeat("ab ", 50), 7)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 4 || max > 3000 || !utf8.ValidString(s) {
			return
		}
		parts := Split(s, max)
		for _, p := range parts {
			if utf8.RuneCountInString(p) > max {
				t.Fatalf("Split(%q, %d): part of %d runes", s, max, utf8.RuneCountInString(p))
			}
			if strings.TrimSpace(p) == "" {
				t.Fatalf("Split(%q, %d): empty part", s, max)
			}
		}
		if strings.Join(strings.Fields(strings.Join(parts, "")), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("Split(%q, %d) lost text: %q", s, max, parts)
		}
	})
}

func TestStripMention(t *testing.T) {
	tests := map[string]string{
		"<@111> How many left?":         "How many left?",
		"How many <@!111> left?":        "How many left?",
		"<@111>":                        "",
		"<@222> asked <@111> something": "<@222> asked something",
	}
	for in, want := range tests {
		if got := stripMention(in, "111"); got != want {
			t.Errorf("stripMention(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRewriteTransport(t *testing.T) {
	for _, base := range []string{"http://127.0.0.1:9", "http://127.0.0.1:9/", "http://127.0.0.1:9/api", "http://127.0.0.1:9/api/v9"} {
		rt, err := newRewriteTransport(base, roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if got := r.URL.String(); got != "http://127.0.0.1:9/api/v9/channels/1/messages" {
				t.Errorf("base %s: rewritten to %s", base, got)
			}
			return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", "https://discord.com/api/v9/channels/1/messages", nil)
		if _, err := rt.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := newRewriteTransport("discord.local", nil); err == nil {
		t.Error("a base URL without scheme: want error")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAnswerPart(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"answer with sources", "The government said 58 [1].\n\n**Sources**\n[1] **Title** — 7 Feb 2014", "The government said 58 [1]."},
		{"refusal without sources", "I couldn't find that.", "I couldn't find that."},
		{"sources mentioned in the text", "The **Sources** say 58 [1].", "The **Sources** say 58 [1]."},
		{"escaped", `A \*\*bold\*\* \[x\]\(http://e) [1] discord` + zwsp + ".gg/a\n\n**Sources**\n[1] **T**", "A **bold** [x](http://e) [1] discord.gg/a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := answerPart(tc.content); got != tc.want {
				t.Errorf("answerPart(%q) = %q, want %q", tc.content, got, tc.want)
			}
		})
	}
}

func TestRenderHostile(t *testing.T) {
	tests := []struct {
		name    string
		change  func(a *answer.Answer)
		want    []string // in the rendering
		notWant []string
	}{
		{
			name:    "title cannot break out of bold or link",
			change:  func(a *answer.Answer) { a.Sources[0].Title = "Homs** — <http://evil> `x` [x](http://e)" },
			want:    []string{`[1] **Homs\*\* — \<http://evil\> \` + "`x\\`" + ` \[x\]\(http://e)** — 7 Feb 2014 — <https://example.com/homs>`},
			notWant: []string{"**Homs** —"},
		},
		{
			name:    "javascript link dropped",
			change:  func(a *answer.Answer) { a.Sources[0].URL = "javascript:alert(1)" },
			want:    []string{"[1] **Civilians evacuated from besieged Homs under three-day ceasefire** — 7 Feb 2014\n"},
			notWant: []string{"javascript"},
		},
		{
			name:    "ftp link dropped",
			change:  func(a *answer.Answer) { a.Sources[0].URL = "ftp://example.com/homs" },
			notWant: []string{"ftp:"},
		},
		{
			name:    "relative link dropped",
			change:  func(a *answer.Answer) { a.Sources[0].URL = "/news/homs" },
			notWant: []string{"/news/homs"},
		},
		{
			name:    "link with a space dropped",
			change:  func(a *answer.Answer) { a.Sources[0].URL = "http://a b" },
			notWant: []string{"http://a"},
		},
		{
			name: "masked link and invites in the answer neutralised, markers intact",
			change: func(a *answer.Answer) {
				a.Text = "Read [the report](https://evil.example/x) [1]. Join discord.gg/raid or https://discord.com/invite/r [2]."
			},
			want: []string{`Read \[the report\]\(https://evil.example/x) [1]. Join discord` + zwsp + `.gg/raid or https://discord` + zwsp + `.com/invite/r [2].`},
		},
		{
			name: "masked link and invite in a quote neutralised",
			change: func(a *answer.Answer) {
				a.Sources[0].Excerpt = "Aid [here](http://evil.example) and DISCORDAPP.com/invite/x [3]."
			},
			want: []string{`> Aid \[here\]\(http://evil.example) and DISCORDAPP` + zwsp + `.com/invite/x \[3\].`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := sampleAnswer()
			tc.change(&a)
			got := strings.Join(Render(a), "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("Render has %q:\n%s", w, got)
				}
			}
			checkSafe(t, "Render", got)
		})
	}
}

func TestRenderBounded(t *testing.T) {
	const mb = 1 << 20
	sentences := strings.Repeat("The talks were adjourned with no progress [1]. ", mb/47)
	tests := []struct {
		name, text string
		cut        bool // the text cannot be shown whole
	}{
		{"fits", "The government said 58 people were evacuated [1].", false},
		{"1 MB of sentences", sentences, true},
		{"1 MB of one word", strings.Repeat("x", mb), true},
		{"1 MB of lines", strings.Repeat("A line [2]\n", mb/11), true},
		{"1 MB of escapes", strings.Repeat("*_", mb/2), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := sampleAnswer()
			a.Text = tc.text
			msgs := Render(a)
			if len(msgs) > MaxAnswerMessages {
				t.Fatalf("Render of %d characters gave %d messages, want at most %d", len(tc.text), len(msgs), MaxAnswerMessages)
			}
			for i, m := range msgs {
				if n := utf8.RuneCountInString(m); n > MaxMessage {
					t.Errorf("message %d has %d characters", i, n)
				}
			}
			last := msgs[len(msgs)-1]
			if !strings.Contains(last, "[2] **Civilians evacuated") || !strings.HasSuffix(last, "face-to-face…") {
				t.Errorf("the last message lacks the sources:\n%s", last)
			}
			shown, _, _ := strings.Cut(strings.Join(msgs, "\n\n"), "\n\n"+sourcesHeading)
			if cut := strings.HasSuffix(shown, "…"); cut != tc.cut {
				t.Errorf("text ends %q: cut %t, want %t", shown[max(0, len(shown)-20):], cut, tc.cut)
			}
			// Split may cut inside a long word: compare without spaces.
			body := strings.TrimSuffix(shown, "…")
			if !strings.HasPrefix(strings.Join(strings.Fields(safeProse(tc.text[:min(len(tc.text), 1<<16)])), ""), strings.Join(strings.Fields(body), "")) {
				t.Errorf("the text shown is not the start of the answer: %q", body[:min(len(body), 80)])
			}
		})
	}
}

func TestRenderSourcesTooLong(t *testing.T) {
	a := sampleAnswer()
	a.Sources = nil
	for n := 1; n <= 12; n++ {
		a.Sources = append(a.Sources, answer.Source{N: n, Title: strings.Repeat("*", titleRunes), URL: "https://example.com/" + strings.Repeat("a", maxURLRunes-20), Quote: strings.Repeat("_", excerptRunes)})
	}
	msgs := Render(a)
	if len(msgs) != MaxAnswerMessages {
		t.Fatalf("Render gave %d messages, want %d", len(msgs), MaxAnswerMessages)
	}
	for i, m := range msgs {
		if n := utf8.RuneCountInString(m); n > MaxMessage {
			t.Errorf("message %d has %d characters", i, n)
		}
	}
	if all := strings.Join(msgs, "\n"); strings.Contains(all, "\n> ") || !strings.HasSuffix(all, "…") {
		t.Errorf("sources too long for %d messages: want them without quotes, the last cut:\n%s", MaxAnswerMessages, all)
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		want     string
	}{
		{"fits", "One. Two.", 9, "One. Two."},
		{"at a sentence", "Aid came [1]. More was promised [2].", 24, "Aid came [1]. …"},
		{"at a line", "First event [1]\nSecond event [2]", 25, "First event [1] …"},
		{"at a word", "aaaa bbbb cccc dddd", 12, "aaaa bbbb…"},
		{"sentence too early: at a word", "Yes. aaaa bbbb cccc dddd eeee", 21, "Yes. aaaa bbbb cccc…"},
		{"inside a word", strings.Repeat("x", 20), 10, strings.Repeat("x", 8) + "…"},
		{"not after half an escape", `aaaaaaa\*bb`, 10, "aaaaaaa…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := clip(tc.in, tc.n)
			if got != tc.want || utf8.RuneCountInString(got) > tc.n {
				t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}
}

func TestPartialText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"nothing yet", "", "…"},
		{"short", "Aid came [1]", "Aid came [1] …"},
		{"half a masked link", "See [x](https://evil", `See \[x\]\(https://evil …`},
		{"an invite", "discord.gg/abc", "discord" + zwsp + ".gg/abc …"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := partialText(tc.in); got != tc.want {
				t.Errorf("partialText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	huge := partialText(strings.Repeat("Aid came [1]. ", 1<<16))
	if n := utf8.RuneCountInString(huge); n > MaxMessage || !strings.HasSuffix(huge, "…") {
		t.Errorf("partialText of a huge text: %d characters, ends %q", n, huge[len(huge)-10:])
	}
}
