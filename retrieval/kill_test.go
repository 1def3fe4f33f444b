package retrieval

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// killDirEnv names DATA_DIR for TestHelperSyncUntilKilled, run as a child
// process by TestKill9ResumesSync.
const killDirEnv = "RETRIEVAL_KILL_TEST_DIR"

// blockingEmbedder embeds n batches, then says "ready" on stdout and blocks
// until the process is killed.
type blockingEmbedder struct {
	*LocalEmbedder
	n int
}

// Identity is that of a remote model, whose vectors Sync checkpoints.
func (e *blockingEmbedder) Identity() Identity { return asModel(e.LocalEmbedder.Identity()) }

func (e *blockingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if e.n == 0 {
		os.Stdout.WriteString("ready\n")
		select {}
	}
	e.n--
	return e.LocalEmbedder.Embed(ctx, texts)
}

// TestHelperSyncUntilKilled is the child of TestKill9ResumesSync.
func TestHelperSyncUntilKilled(t *testing.T) {
	dir := os.Getenv(killDirEnv)
	if dir == "" {
		t.Skip("run by TestKill9ResumesSync")
	}
	n, _ := strconv.Atoi(os.Getenv(killDirEnv + "_BATCHES"))
	emb := &blockingEmbedder{LocalEmbedder: NewLocalEmbedder(132), n: n}
	Open(discard(), emb, dir, durableOpts).Sync(context.Background(), manyArticles(6), nil)
}

// TestKill9ResumesSync kills a process with SIGKILL in the middle of a
// sync, after it embedded n batches; the next index on the same DATA_DIR
// embeds only the texts of the other batches.
func TestKill9ResumesSync(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	const n = 4
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSyncUntilKilled$")
	cmd.Env = append(os.Environ(), killDirEnv+"="+dir, killDirEnv+"_BATCHES="+strconv.Itoa(n))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "ready" {
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	arts := manyArticles(6)
	emb := newScripted(0)
	if _, err := Open(discard(), emb, dir, durableOpts).Sync(context.Background(), arts, nil); err != nil {
		t.Fatal(err)
	}
	total := chunkCountOpt(durableOpts, arts...)
	if got, want := emb.embedded(), total-n*durableOpts.BatchSize; got != want {
		t.Errorf("after kill -9 at batch %d the next sync embedded %d of %d texts, want %d", n+1, got, total, want)
	}
}
