package discord

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/answer"
)

// Feedback: 👍/👎 buttons under each answer. A vote counts only for an
// answer the bot gave and still remembers, only as up or down, and once
// per user and answer: the first vote stands, and a second click is told
// so. Each vote is one line of DATA_DIR/feedback.jsonl, which is rotated
// to feedback.jsonl.1 when it would pass maxFeedbackBytes.

// Bounds of the feedback kept.
const (
	answerTTL         = 24 * time.Hour // how long an answer can be rated
	maxAnswers        = 2000           // answers remembered for their buttons
	maxVotesPerAnswer = 1000           // votes taken on one answer
	maxFeedbackBytes  = 10 << 20       // feedback.jsonl is rotated past this
	answerIDLen       = 16             // hex digits of an answer ID
	feedbackPrefix    = "fb:"          // custom IDs of feedback buttons
	textOldAnswer     = "I can't take a vote on this answer any more: it is too old, or I have restarted since. Thanks all the same."
)

// feedbackButtons are the 👍/👎 buttons under an answer.
func feedbackButtons(answerID string) []discordgo.MessageComponent {
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Emoji: &discordgo.ComponentEmoji{Name: "👍"}, Style: discordgo.SecondaryButton, CustomID: feedbackPrefix + "up:" + answerID},
		discordgo.Button{Emoji: &discordgo.ComponentEmoji{Name: "👎"}, Style: discordgo.SecondaryButton, CustomID: feedbackPrefix + "down:" + answerID},
	}}}
}

// parseFeedbackID reads a feedback button's custom ID, fb:up:<id> or
// fb:down:<id>; ok is false for anything else.
func parseFeedbackID(customID string) (vote, answerID string, ok bool) {
	vote, answerID, _ = strings.Cut(strings.TrimPrefix(customID, feedbackPrefix), ":")
	if vote != "up" && vote != "down" || len(answerID) != answerIDLen {
		return "", "", false
	}
	if _, err := hex.DecodeString(answerID); err != nil {
		return "", "", false
	}
	return vote, answerID, true
}

// onFeedback takes a vote: acknowledged at once, privately, and saved when
// it counts.
func (b *Bot) onFeedback(r *responder, customID string) {
	vote, answerID, ok := parseFeedbackID(customID)
	if !ok {
		b.lg.Info("feedback refused: not a feedback button", "custom_id", oneLine(customID, 120), "user", r.user())
		r.reply("That button no longer works.", true)
		return
	}
	e, result := b.recent.vote(answerID, r.user(), vote)
	var text string
	switch result {
	case voteUnknown:
		text = textOldAnswer
	case voteAgain:
		text = "You have already rated this answer; your first vote stands."
	case voteFull:
		text = "Thanks: this answer has all the votes it can take."
	default:
		text = "Thanks for the feedback."
	}
	if err := r.reply(text, true); err != nil {
		b.lg.Warn("feedback ack failed", "interaction", r.i.ID, "err", err)
	}
	if result != voteTaken {
		b.lg.Debug("feedback not counted", "answer", answerID, "user", r.user(), "why", result.String())
		return
	}
	rec := feedbackRecord{Time: time.Now().UTC(), Vote: vote, AnswerID: answerID, UserID: r.user()}
	if r.i.Message != nil {
		rec.MessageID, rec.ChannelID = r.i.Message.ID, r.i.Message.ChannelID
	}
	rec.fill(e)
	if err := b.fb.append(rec); err != nil {
		b.lg.Error("feedback not saved", "err", err)
	}
}

// cachedAnswer is an answer remembered for its feedback buttons, and the
// votes taken on it.
type cachedAnswer struct {
	a      answer.Answer // without its passages
	userID string
	at     time.Time
	votes  map[string]string // user ID → vote
}

// voteResult is what became of a vote.
type voteResult int

const (
	voteTaken   voteResult = iota // the user's first vote on an answer remembered
	voteUnknown                   // no such answer, or forgotten
	voteAgain                     // the user has voted on it already
	voteFull                      // the answer has taken maxVotesPerAnswer votes
)

func (v voteResult) String() string {
	return [...]string{"taken", "unknown answer", "already voted", "too many votes"}[v]
}

// answerCache remembers recent answers by ID, for as long as a feedback
// click on them is likely (a TTL) and up to a bound.
type answerCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	items map[string]*cachedAnswer
	order []string // insertion order, oldest first
}

func newAnswerCache(ttl time.Duration, max int) *answerCache {
	return &answerCache{ttl: ttl, max: max, items: map[string]*cachedAnswer{}}
}

// put stores a and returns its ID, answerIDLen hex digits.
func (c *answerCache) put(a answer.Answer, userID string) string {
	var raw [answerIDLen / 2]byte
	rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	a.Passages = nil // retrieved but not cited: not needed for feedback
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) > 0 && (len(c.order) >= c.max || now.Sub(c.items[c.order[0]].at) > c.ttl) {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.items[id] = &cachedAnswer{a: a, userID: userID, at: now, votes: map[string]string{}}
	c.order = append(c.order, id)
	return id
}

// vote records user's vote on the answer with id, if it counts, and
// returns the answer (a copy, without the votes).
func (c *answerCache) vote(id, user, vote string) (cachedAnswer, voteResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[id]
	switch {
	case !ok || time.Since(e.at) > c.ttl:
		return cachedAnswer{}, voteUnknown
	case e.votes[user] != "":
		return cachedAnswer{}, voteAgain
	case len(e.votes) >= maxVotesPerAnswer:
		return cachedAnswer{}, voteFull
	}
	e.votes[user] = vote
	out := *e
	out.votes = nil
	return out, voteTaken
}

// feedbackRecord is one line of feedback.jsonl.
type feedbackRecord struct {
	Time      time.Time        `json:"time"`
	Vote      string           `json:"vote"` // "up" or "down"
	UserID    string           `json:"user_id"`
	AnswerID  string           `json:"answer_id"`
	MessageID string           `json:"message_id,omitempty"`
	ChannelID string           `json:"channel_id,omitempty"`
	Question  string           `json:"question,omitempty"`
	Answer    string           `json:"answer,omitempty"`
	Mode      string           `json:"mode,omitempty"`
	Refused   bool             `json:"refused,omitempty"`
	Sources   []feedbackSource `json:"sources,omitempty"`
}

type feedbackSource struct {
	N         int    `json:"n"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	Published string `json:"published"`
	URL       string `json:"url,omitempty"`
}

// fill copies what was asked and answered into the record.
func (r *feedbackRecord) fill(e cachedAnswer) {
	r.Question, r.Answer, r.Mode, r.Refused = e.a.Question, e.a.Text, e.a.Mode, e.a.Refused
	for _, s := range e.a.Sources {
		r.Sources = append(r.Sources, feedbackSource{N: s.N, ID: s.ArticleID, Title: s.Title, Published: s.Published.Format("2006-01-02"), URL: s.URL})
	}
}

// feedbackLog appends records to DATA_DIR/feedback.jsonl, one JSON object
// a line, each written whole with one append. When a line would take the
// file past max bytes, the file becomes feedback.jsonl.1 (replacing the
// one before) and a new one is started: the two hold at most 2×max.
type feedbackLog struct {
	mu   sync.Mutex
	path string
	max  int64
}

func newFeedbackLog(dataDir string, max int64) *feedbackLog {
	if dataDir == "" {
		dataDir = "."
	}
	return &feedbackLog{path: filepath.Join(dataDir, "feedback.jsonl"), max: max}
}

func (l *feedbackLog) append(r feedbackRecord) error {
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode feedback: %w", err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(l.path), 0o755); err != nil {
		return fmt.Errorf("feedback dir: %w", err)
	}
	if fi, err := os.Stat(l.path); err == nil && fi.Size() > 0 && fi.Size()+int64(len(line)) > l.max {
		if err := os.Rename(l.path, l.path+".1"); err != nil {
			return fmt.Errorf("rotate feedback log: %w", err)
		}
	}
	f, err := os.OpenFile(l.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open feedback log: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("write feedback: %w", err)
	}
	return f.Close()
}
