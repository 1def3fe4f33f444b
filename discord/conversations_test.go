package discord

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestConversation(t *testing.T) {
	type step struct {
		question string
		after    time.Duration // the clock moves on by this much after asking
	}
	tests := []struct {
		name   string
		max    int
		maxAge time.Duration
		steps  []step
		want   []string
	}{
		{
			name:  "all turns while few",
			max:   3,
			steps: []step{{"a", 0}, {"b", 0}},
			want:  []string{"a", "b"},
		},
		{
			name:  "the first turn and the latest kept",
			max:   3,
			steps: []step{{"a", 0}, {"b", 0}, {"c", 0}, {"d", 0}, {"e", 0}},
			want:  []string{"a", "d", "e"},
		},
		{
			name:  "no age limit: old turns kept",
			max:   3,
			steps: []step{{"a", 48 * time.Hour}, {"b", 48 * time.Hour}},
			want:  []string{"a", "b"},
		},
		{
			name:   "turns older than the limit forgotten",
			max:    6,
			maxAge: 30 * time.Minute,
			steps:  []step{{"a", 20 * time.Minute}, {"b", 15 * time.Minute}, {"c", time.Minute}},
			want:   []string{"b", "c"},
		},
		{
			name:   "all forgotten after a long pause",
			max:    6,
			maxAge: 30 * time.Minute,
			steps:  []step{{"a", 0}, {"b", 31 * time.Minute}},
			want:   nil,
		},
		{
			name:   "a forgotten first turn is not pinned",
			max:    2,
			maxAge: 30 * time.Minute,
			steps:  []step{{"a", 31 * time.Minute}, {"b", 0}, {"c", 0}, {"d", 0}},
			want:   []string{"b", "d"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Date(2014, 2, 8, 12, 0, 0, 0, time.UTC)}
			c := newConversation(tc.max, tc.maxAge, clk.now)
			for _, s := range tc.steps {
				c.ask(s.question)("answer to " + s.question)
				clk.advance(s.after)
			}
			got := questions(c.history())
			if !slices.Equal(got, tc.want) {
				t.Errorf("history after %v = %q, want %q", tc.steps, got, tc.want)
			}
			for _, turn := range c.history() {
				if turn.Answer != "answer to "+turn.Question {
					t.Errorf("turn %q has answer %q", turn.Question, turn.Answer)
				}
			}
		})
	}
}

func TestDMConversations(t *testing.T) {
	tests := []struct {
		name      string
		max       int
		gets      []string // channels, in the order their messages arrive
		kept      []string // channels remembered at the end, with their turns
		forgotten []string
	}{
		{
			name: "within the bound all kept",
			max:  2,
			gets: []string{"a", "b", "a"},
			kept: []string{"a", "b"},
		},
		{
			name:      "oldest forgotten first",
			max:       2,
			gets:      []string{"a", "b", "c"},
			kept:      []string{"b", "c"},
			forgotten: []string{"a"},
		},
		{
			name:      "least recently used forgotten, not least recently created",
			max:       2,
			gets:      []string{"a", "b", "a", "c"},
			kept:      []string{"a", "c"},
			forgotten: []string{"b"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDMConversations(tc.max, time.Hour)
			asked := map[string]int{}
			for _, ch := range tc.gets {
				asked[ch]++
				d.get(ch).ask(fmt.Sprintf("question %d in %s", asked[ch], ch))
			}
			for _, ch := range tc.kept {
				if _, ok := d.byID[ch]; !ok {
					t.Errorf("after %v, channel %s forgotten, want it kept", tc.gets, ch)
				}
			}
			for _, ch := range tc.forgotten {
				if _, ok := d.byID[ch]; ok {
					t.Errorf("after %v, channel %s kept, want it forgotten", tc.gets, ch)
				}
				if h := d.get(ch).history(); len(h) != 0 {
					t.Errorf("forgotten channel %s comes back with %q", ch, questions(h))
				}
			}
			if n := d.lru.Len(); n > tc.max || len(d.byID) != n {
				t.Errorf("%d channels in the list, %d in the map, want the same and at most %d", n, len(d.byID), tc.max)
			}
		})
	}
}
