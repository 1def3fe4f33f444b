package main

import (
	"strings"
	"testing"
	"time"
)

// TestShardConfig checks SHARD_COUNT, SHARD_ID, ROLE and RELOAD_INTERVAL:
// their defaults, which process writes, and an error naming each bad
// value.
func TestShardConfig(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		count   int
		id      int
		writer  bool
		wantErr []string
	}{
		{name: "unset: one shard, the writer", vars: nil, count: 1, id: 0, writer: true},
		{name: "shard 0 of 2 writes", vars: map[string]string{"SHARD_COUNT": "2", "SHARD_ID": "0"}, count: 2, id: 0, writer: true},
		{name: "shard 1 of 2 reads", vars: map[string]string{"SHARD_COUNT": "2", "SHARD_ID": "1"}, count: 2, id: 1, writer: false},
		{name: "ROLE=writer on shard 1", vars: map[string]string{"SHARD_COUNT": "2", "SHARD_ID": "1", "ROLE": "writer"}, count: 2, id: 1, writer: true},
		{name: "ROLE=reader on shard 0", vars: map[string]string{"SHARD_COUNT": "2", "ROLE": "Reader"}, count: 2, id: 0, writer: false},
		{name: "id past the count", vars: map[string]string{"SHARD_COUNT": "2", "SHARD_ID": "2"}, wantErr: []string{"SHARD_ID=2", "0 to 1"}},
		{name: "id without a count", vars: map[string]string{"SHARD_ID": "1"}, wantErr: []string{"SHARD_ID=1", "SHARD_COUNT=1"}},
		{name: "all bad at once", vars: map[string]string{"SHARD_COUNT": "0", "SHARD_ID": "-1", "ROLE": "boss", "RELOAD_INTERVAL": "1ms"},
			wantErr: []string{`SHARD_COUNT="0"`, `SHARD_ID="-1"`, `ROLE="boss"`, `RELOAD_INTERVAL="1ms"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(tc.vars))
			if len(tc.wantErr) > 0 {
				for _, want := range tc.wantErr {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("loadConfig(%v) error = %v, want one containing %q", tc.vars, err, want)
					}
				}
				return
			}
			if err != nil || c.ShardCount != tc.count || c.ShardID != tc.id || c.writer() != tc.writer || c.ReloadInterval != 2*time.Second {
				t.Errorf("loadConfig(%v) = shard %d of %d, writer %v, reload %v, %v; want shard %d of %d, writer %v, reload 2s",
					tc.vars, c.ShardID, c.ShardCount, c.writer(), c.ReloadInterval, err, tc.id, tc.count, tc.writer)
			}
		})
	}
}
