package discord

import (
	"container/list"
	"sync"
	"time"

	"github.com/situationbot/bot/answer"
)

// Bounds of the conversations kept in memory.
const (
	threadTurns = 20               // turns kept per thread
	maxThreads  = 5000             // channels remembered as bot threads or not
	dmTurns     = 6                // turns kept per direct-message channel
	maxDMs      = 1000             // direct-message channels remembered
	dmMaxAge    = 30 * time.Minute // a direct message older than this is forgotten
)

// conversation is the questions and answers of one thread the bot started,
// or of one direct-message channel.
type conversation struct {
	mu     sync.Mutex
	max    int           // turns kept: the first, which set the subject, and the latest
	maxAge time.Duration // turns older than this are forgotten; 0 means never
	now    func() time.Time
	turns  []*turn
}

// turn is a question, its answer once given, and when it was asked.
type turn struct {
	answer.Turn
	at time.Time
}

// newConversation returns an empty conversation keeping at most max turns,
// each for at most maxAge (0: for ever), by the clock now.
func newConversation(max int, maxAge time.Duration, now func() time.Time) *conversation {
	return &conversation{max: max, maxAge: maxAge, now: now}
}

// newThread returns the conversation of a thread: its turns are kept
// until the bot restarts, when they are read back from Discord.
func newThread() *conversation { return newConversation(threadTurns, 0, time.Now) }

// ask records a question and returns the func that records its answer.
// The question is recorded at once, so that a follow-up sent while it is
// being answered is still read with it.
func (c *conversation) ask(question string) (answered func(string)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetLocked()
	t := &turn{Turn: answer.Turn{Question: question}, at: c.now()}
	c.turns = append(c.turns, t)
	if len(c.turns) > c.max {
		c.turns = append(c.turns[:1], c.turns[len(c.turns)-c.max+1:]...)
	}
	return func(a string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Answer = a
	}
}

// history returns the turns not forgotten, oldest first.
func (c *conversation) history() []answer.Turn {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetLocked()
	out := make([]answer.Turn, len(c.turns))
	for i, t := range c.turns {
		out[i] = t.Turn
	}
	return out
}

// forgetLocked drops the turns older than maxAge.
func (c *conversation) forgetLocked() {
	if c.maxAge <= 0 {
		return
	}
	cutoff := c.now().Add(-c.maxAge)
	i := 0
	for i < len(c.turns) && c.turns[i].at.Before(cutoff) {
		i++
	}
	c.turns = c.turns[i:]
}

// conversations maps the bot's threads to their conversations, and
// remembers channels known not to be its threads, both bounded.
type conversations struct {
	mu    sync.Mutex
	max   int
	byID  map[string]*conversation // nil value: known not to be a bot thread
	order []string
}

func newConversations(max int) *conversations {
	return &conversations{max: max, byID: map[string]*conversation{}}
}

// lookup returns the conversation of channelID and whether the channel is
// known at all.
func (cs *conversations) lookup(channelID string) (*conversation, bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c, ok := cs.byID[channelID]
	return c, ok
}

// set records what channelID is: a bot thread's conversation, or nil.
func (cs *conversations) set(channelID string, c *conversation) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if _, ok := cs.byID[channelID]; !ok {
		cs.order = append(cs.order, channelID)
	}
	cs.byID[channelID] = c
	for len(cs.order) > cs.max {
		delete(cs.byID, cs.order[0])
		cs.order = cs.order[1:]
	}
}

// dmConversations keeps the recent turns of direct-message channels, in
// memory only: at most max channels, the least recently used forgotten
// first, and in each the last few turns of the last maxAge.
type dmConversations struct {
	mu     sync.Mutex
	max    int
	maxAge time.Duration
	now    func() time.Time
	byID   map[string]*list.Element // of lru; values are *dmEntry
	lru    *list.List               // most recently used first
}

type dmEntry struct {
	channelID string
	conv      *conversation
}

func newDMConversations(max int, maxAge time.Duration) *dmConversations {
	return &dmConversations{max: max, maxAge: maxAge, now: time.Now, byID: map[string]*list.Element{}, lru: list.New()}
}

// get returns the conversation of a direct-message channel, a new one if
// the channel is not remembered, and marks it the most recently used.
func (d *dmConversations) get(channelID string) *conversation {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.byID[channelID]; ok {
		d.lru.MoveToFront(e)
		return e.Value.(*dmEntry).conv
	}
	c := newConversation(dmTurns, d.maxAge, d.now)
	d.byID[channelID] = d.lru.PushFront(&dmEntry{channelID: channelID, conv: c})
	for d.lru.Len() > d.max {
		old := d.lru.Remove(d.lru.Back()).(*dmEntry)
		delete(d.byID, old.channelID)
	}
	return c
}

// setClock replaces the clock of the conversations created from now on;
// tests use it to age direct messages.
func (d *dmConversations) setClock(now func() time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.now = now
}
