// Package prompts owns the text sent to a chat model: templates in *.tmpl,
// embedded in the binary and parsed once, with the citation and refusal rules
// in one shared {{define "rules"}} block that every prompt uses. Article text
// reaches the model fenced in <passage> elements and escaped so that it
// cannot open or close a fence nor pass for a citation (see escape.go).
package prompts

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

// Set is the parsed templates. It is immutable and safe for concurrent use.
type Set struct {
	t *template.Template
}

// Load parses the embedded templates.
func Load() (*Set, error) {
	t, err := template.New("prompts").Option("missingkey=error").Funcs(funcs).ParseFS(files, "*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse prompts: %w", err)
	}
	return &Set{t: t}, nil
}

// MustLoad is Load for callers that cannot proceed without prompts; the
// templates are embedded, so a failure is a programming error caught by tests.
func MustLoad() *Set {
	s, err := Load()
	if err != nil {
		panic(err)
	}
	return s
}

// Passage is one numbered passage as shown to the model, fenced as
// <passage id="N" title="…" published="…">; N is the number the model
// cites. Title, Published and Text are escaped when rendered.
type Passage struct {
	N         int
	Title     string
	Published string // YYYY-MM-DD
	Text      string
}

// Answer is the data of the answer prompt.
type Answer struct {
	Question     string
	Passages     []Passage
	ArticleCount int
	Newest       string // "7 Feb 2014"
	MaxSentences int
}

// NotFound is the exact reply the rules ask for when the passages do not
// answer; the answer pipeline recognises it.
func (s *Set) NotFound() string {
	return strings.TrimSpace(s.exec("not_found", nil))
}

// Answer renders the system and user messages of the answer prompt.
func (s *Set) Answer(d Answer) (system, user string, err error) {
	if d.MaxSentences <= 0 {
		d.MaxSentences = 4
	}
	system, err = s.render("answer_system", d)
	if err != nil {
		return "", "", err
	}
	user, err = s.render("answer_user", d)
	return system, user, err
}

// Turn is one question and its answer in a conversation.
type Turn struct {
	Question string
	Answer   string
}

// Condense is the data of the prompt that makes a follow-up standalone.
type Condense struct {
	Turns    []Turn
	FollowUp string
}

// Condense renders the system and user messages that ask a model to turn a
// follow-up into a standalone question.
func (s *Set) Condense(d Condense) (system, user string, err error) {
	system, err = s.render("condense_system", d)
	if err != nil {
		return "", "", err
	}
	user, err = s.render("condense_user", d)
	return system, user, err
}

// Article is the data of the per-article summary prompt (the map step).
type Article struct {
	Title     string
	Published string
	Body      string
}

// SummaryMap renders the prompt that summarises one article.
func (s *Set) SummaryMap(a Article) (system, user string, err error) {
	return s.pair("summary_map", a)
}

// Overview is the data of the summary (reduce) and timeline prompts.
type Overview struct {
	Passages     []Passage // article summaries (summary) or articles, without Text (timeline)
	Events       []DatedSentence
	ArticleCount int
	Newest       string
	Topic        string
	Since        string
	MaxWords     int
	MaxSentences int
}

// DatedSentence is a sentence with its resolved date and article number.
type DatedSentence struct {
	Date string // YYYY-MM-DD
	N    int
	Text string
}

// SummaryReduce renders the prompt that combines article summaries.
func (s *Set) SummaryReduce(d Overview) (system, user string, err error) {
	if d.MaxSentences <= 0 {
		d.MaxSentences = 10
	}
	return s.pair("summary_reduce", d)
}

// Timeline renders the timeline prompt.
func (s *Set) Timeline(d Overview) (system, user string, err error) {
	if d.MaxSentences <= 0 {
		d.MaxSentences = 20
	}
	return s.pair("timeline", d)
}

// pair renders the NAME_system and NAME_user templates.
func (s *Set) pair(name string, data any) (system, user string, err error) {
	system, err = s.render(name+"_system", data)
	if err != nil {
		return "", "", err
	}
	user, err = s.render(name+"_user", data)
	return system, user, err
}

func (s *Set) render(name string, data any) (string, error) {
	var b strings.Builder
	if err := s.t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return strings.TrimSpace(b.String()), nil
}

func (s *Set) exec(name string, data any) string {
	out, err := s.render(name, data)
	if err != nil {
		panic(err) // only for templates without data; covered by tests
	}
	return out
}
