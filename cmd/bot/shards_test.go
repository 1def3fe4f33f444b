package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/situationbot/bot/discord/discordtest"
)

// Servers on either shard of two: (guild_id >> 22) % 2.
const (
	guildOfShard0 = discordtest.DefaultGuildID // 300000000000000003
	guildOfShard1 = "300000000004194307"       // 300000000000000003 + 1<<22
)

const convoyArticle = `---
title: "Aid convoy reaches the old city of Homs"
published: 2014-02-10
place: "Homs"
---

A convoy of twelve trucks delivered 740 food parcels to the old city of Homs on Monday, the Red Crescent said.
`

const convoyQ = "How many food parcels did the convoy deliver to the old city of Homs?"

// shardProc is one bot process of a sharded bot, run through run.
type shardProc struct {
	stderr syncBuffer
	done   chan error
}

func startShard(t *testing.T, ctx context.Context, vars map[string]string, shard int) *shardProc {
	t.Helper()
	v := map[string]string{"SHARD_COUNT": "2", "SHARD_ID": fmt.Sprint(shard)}
	for k, x := range vars {
		v[k] = x
	}
	p := &shardProc{done: make(chan error, 1)}
	go func() { p.done <- run(ctx, nil, env(v), strings.NewReader(""), io.Discard, &p.stderr) }()
	return p
}

// answered counts the questions the process's log says it answered.
func (p *shardProc) answered() int {
	return strings.Count(p.stderr.String(), `msg="question answered"`)
}

// tree records every file under the folders with its size and modification
// time, to tell whether anything was written.
func tree(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			out[p] = fmt.Sprint(info.ModTime().UnixNano(), " ", info.Size())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func sameTree(t *testing.T, when string, before, after map[string]string) {
	t.Helper()
	for p, v := range after {
		if before[p] != v {
			t.Errorf("%s: %s written (%s, was %q)", when, p, v, before[p])
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s: %s removed", when, p)
		}
	}
}

// TestTwoShards runs a bot as two processes, shards 0 and 1 of 2, over
// the same CORPUS_DIR and DATA_DIR against the fake Discord: each answers
// only the servers Discord routes to it; shard 0 writes, shard 1 reads and
// turns /refresh away naming shard 0; an article added and refreshed on
// the writer is served by the reader within 5 s; the reader writes
// nothing in DATA_DIR or CORPUS_DIR.
func TestTwoShards(t *testing.T) {
	srv := discordtest.NewServer()
	defer srv.Close()
	corpusDir, dataDir := t.TempDir(), t.TempDir()
	for _, name := range []string{"2014-01-26-syria-talks-offer-exit-from-homs-siege.md", "2014-02-07-civilians-evacuated-from-homs.md"} {
		b, err := os.ReadFile(filepath.Join("../../corpus", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(corpusDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{
		"CORPUS_DIR":      corpusDir,
		"DATA_DIR":        dataDir,
		"DISCORD_TOKEN":   "test-token",
		"DISCORD_API_URL": srv.URL + "/api/v9",
		"LOG_LEVEL":       "debug",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()

	writer := startShard(t, ctx, vars, 0)
	if err := srv.WaitShard(wait, 0); err != nil {
		t.Fatalf("shard 0 not connected: %v\n%s", err, writer.stderr.String())
	}
	if _, err := srv.WaitForCall(wait, "PUT", "/api/v9/applications/"+srv.AppID()+"/commands", 1); err != nil {
		t.Fatalf("shard 0 did not register the commands: %v", err)
	}
	before := tree(t, dataDir, corpusDir)
	reader := startShard(t, ctx, vars, 1)
	if err := srv.WaitShard(wait, 1); err != nil {
		t.Fatalf("shard 1 not connected: %v\n%s", err, reader.stderr.String())
	}
	if id, _ := srv.Identify(); id.Shard == nil || *id.Shard != [2]int{1, 2} {
		t.Errorf("shard 1 identified as %v", id.Shard)
	}

	// ask sends /ask in guild and waits for the final answer.
	ask := func(guild, question string) string {
		t.Helper()
		_, token, err := srv.SendInteraction(discordtest.InteractionSpec{Name: "ask", GuildID: guild, Options: []discordtest.Option{{Name: "question", Value: question}}})
		if err != nil {
			t.Fatal(err)
		}
		for wait.Err() == nil {
			if m, ok := srv.Original(token); ok && strings.Contains(string(m.Components), "fb:up:") {
				return m.Content
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("no answer in guild %s\nshard 0:\n%s\nshard 1:\n%s", guild, writer.stderr.String(), reader.stderr.String())
		return ""
	}
	// Each server's question is answered by its shard's process alone.
	for _, tc := range []struct {
		guild    string
		by, idle *shardProc
	}{{guildOfShard0, writer, reader}, {guildOfShard1, reader, writer}} {
		by, idle := tc.by.answered(), tc.idle.answered()
		if a := ask(tc.guild, evacuationQ); !strings.Contains(a, "58") {
			t.Errorf("guild %s: answer %q", tc.guild, a)
		}
		if tc.by.answered() != by+1 || tc.idle.answered() != idle {
			t.Errorf("guild %s (shard %d): answered by the processes %d and %d times, want once by its shard's", tc.guild, srv.ShardOf(tc.guild), tc.by.answered()-by, tc.idle.answered()-idle)
		}
	}
	sameTree(t, "the reader's start and answer", before, tree(t, dataDir, corpusDir))

	// A moderator's /refresh on the reader names the writer.
	refresh := func(guild string) string {
		t.Helper()
		_, token, err := srv.SendInteraction(discordtest.InteractionSpec{Name: "refresh", GuildID: guild, Permissions: discordgo.PermissionManageGuild})
		if err != nil {
			t.Fatal(err)
		}
		for wait.Err() == nil {
			if m, ok := srv.Original(token); ok && m.Content != "" {
				return m.Content
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("no /refresh answer in guild %s", guild)
		return ""
	}
	if got := refresh(guildOfShard1); !strings.Contains(got, "shard 0") || strings.Contains(got, "Refresh done") {
		t.Errorf("/refresh on the reader = %q, want it to name shard 0", got)
	}

	// The writer indexes a new article; the reader serves it within 5 s.
	if err := os.WriteFile(filepath.Join(corpusDir, "2014-02-10-aid-convoy-reaches-homs.md"), []byte(convoyArticle), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := refresh(guildOfShard0); !strings.Contains(got, "Refresh done") || !strings.Contains(got, "2014-02-10-aid-convoy-reaches-homs") {
		t.Fatalf("/refresh on the writer = %q", got)
	}
	refreshed := time.Now()
	for !strings.Contains(reader.stderr.String(), `msg="reloaded the writer's index" added=[2014-02-10-aid-convoy-reaches-homs]`) {
		if time.Since(refreshed) > 5*time.Second {
			t.Fatalf("the reader did not reload within 5 s of the writer's refresh:\n%s", reader.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("the reader served the writer's refresh %v after it", time.Since(refreshed).Round(time.Millisecond))
	afterRefresh := tree(t, dataDir, corpusDir)
	if a := ask(guildOfShard1, convoyQ); !strings.Contains(a, "740") {
		t.Errorf("the reader's answer about the new article = %q", a)
	}
	if strings.Contains(reader.stderr.String(), `embedded=1`) || !strings.Contains(reader.stderr.String(), `embedded=0`) {
		t.Errorf("the reader embedded what the snapshot holds:\n%s", reader.stderr.String())
	}
	sameTree(t, "the reader's reload and answer", afterRefresh, tree(t, dataDir, corpusDir))

	cancel()
	for i, p := range []*shardProc{writer, reader} {
		select {
		case err := <-p.done:
			if err != nil {
				t.Errorf("shard %d: run returned %v after shutdown", i, err)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("shard %d: run did not return after shutdown", i)
		}
	}
}

// TestSnapshotChanged checks what makes a reader reload: the snapshot
// appearing, going, or being replaced, and nothing else.
func TestSnapshotChanged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "snap")
	if changed(stat(path), stat(path)) {
		t.Error("no file, twice: changed")
	}
	if err := os.WriteFile(path, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	first := stat(path)
	if !changed(nil, first) || changed(first, stat(path)) {
		t.Error("a new file is a change; the same file is not")
	}
	// The writer replaces the snapshot by a rename, even with the same size.
	if err := os.WriteFile(path+".tmp", []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	if !changed(first, stat(path)) {
		t.Error("a snapshot replaced by a rename is not a change")
	}
	os.Remove(path)
	if !changed(first, stat(path)) {
		t.Error("a removed snapshot is not a change")
	}
}
