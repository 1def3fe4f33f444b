package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/situationbot/bot/answer"
	"github.com/situationbot/bot/corpus"
)

// jsonResult is what the --json output of ask, summary and timeline
// share, so that a script reads any of them the same way: the text shown
// (the answer, the summary, the timeline, or the refusal), whether it is
// a refusal, how it was written ("llm" or "extractive", and whether
// extractively because the model failed), the numbered sources its [n]
// markers point to, and the date of the newest article (what "now" means
// for it). Every key is always present.
type jsonResult struct {
	Text     string       `json:"text"`
	Refused  bool         `json:"refused"`
	Mode     string       `json:"mode"`
	Fallback bool         `json:"fallback"`
	Sources  []jsonSource `json:"sources"`
	AsOf     string       `json:"as_of"`
}

// jsonSource is one numbered source: the article, and the passage the
// answer drew on (quote: the sentence cited; excerpt: the evidence shown
// under the answer, when there is one).
type jsonSource struct {
	N         int    `json:"n"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	Published string `json:"published"`
	URL       string `json:"url"`
	Quote     string `json:"quote"`
	Excerpt   string `json:"excerpt"`
}

// jsonAsk is ask --json: the shared keys, the question, the sentences
// the grounding check removed from a model's answer, and the time taken.
type jsonAsk struct {
	jsonResult
	Question  string   `json:"question"`
	Removed   []string `json:"removed"`
	ElapsedMS int64    `json:"elapsed_ms"`
}

// jsonSummary is summary --json: the shared keys, the topic and date
// asked for ("" when none) and how many articles it covers.
type jsonSummary struct {
	jsonResult
	Topic    string `json:"topic"`
	Since    string `json:"since"`
	Articles int    `json:"articles"`
}

// jsonTimeline is timeline --json: the shared keys, the topic ("" when
// none) and the events, oldest first.
type jsonTimeline struct {
	jsonResult
	Topic  string      `json:"topic"`
	Events []jsonEvent `json:"events"`
}

// jsonEvent is one dated event of a timeline: the date and how precise
// it is (day, week, month or year), whether it was reported rather than
// seen happening, its line of text, and the numbers and article IDs of
// its sources.
type jsonEvent struct {
	Date      string   `json:"date"`
	Precision string   `json:"precision"`
	Reported  bool     `json:"reported"`
	Text      string   `json:"text"`
	Sources   []int    `json:"sources"`
	SourceIDs []string `json:"source_ids"`
}

func askJSON(a answer.Answer, elapsed time.Duration) jsonAsk {
	removed := a.Removed
	if removed == nil {
		removed = []string{}
	}
	return jsonAsk{
		jsonResult: jsonResult{Text: a.Text, Refused: a.Refused, Mode: a.Mode, Fallback: a.Fallback,
			Sources: jsonSources(a.Sources), AsOf: jsonDate(a.AsOf)},
		Question:  a.Question,
		Removed:   removed,
		ElapsedMS: elapsed.Milliseconds(),
	}
}

func summaryJSON(s answer.Summary) jsonSummary {
	return jsonSummary{
		jsonResult: jsonResult{Text: s.Text, Refused: s.Refused, Mode: s.Mode, Fallback: s.Fallback,
			Sources: jsonSources(s.Sources), AsOf: jsonDate(s.AsOf)},
		Topic:    s.Topic,
		Since:    jsonDate(s.Since),
		Articles: s.Articles,
	}
}

// timelineJSON is the timeline as JSON; its text is the timeline as
// timeline prints it, one event a line (or the refusal).
func timelineJSON(tl answer.Timeline) jsonTimeline {
	events := []jsonEvent{}
	for _, ev := range tl.Events {
		je := jsonEvent{Date: jsonDate(ev.Date), Precision: precisionName(ev.Precision), Reported: ev.Reported,
			Text: ev.Text, Sources: answer.Citations(ev.Text), SourceIDs: []string{}}
		for _, n := range je.Sources {
			je.SourceIDs = append(je.SourceIDs, tl.Sources[n-1].ArticleID)
		}
		events = append(events, je)
	}
	return jsonTimeline{
		jsonResult: jsonResult{Text: timelineText(tl), Refused: tl.Refused, Mode: tl.Mode, Fallback: tl.Fallback,
			Sources: jsonSources(tl.Sources), AsOf: jsonDate(tl.AsOf)},
		Topic:  tl.Topic,
		Events: events,
	}
}

func precisionName(p answer.Precision) string {
	return [...]string{"day", "week", "month", "year"}[p]
}

func jsonSources(src []answer.Source) []jsonSource {
	out := []jsonSource{}
	for _, s := range src {
		out = append(out, jsonSource{N: s.N, ID: s.ArticleID, Title: s.Title, Published: jsonDate(s.Published), URL: s.URL, Quote: s.Quote, Excerpt: s.Excerpt})
	}
	return out
}

// jsonDate is t as YYYY-MM-DD, or "" for the zero time.
func jsonDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(corpus.DateLayout)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
