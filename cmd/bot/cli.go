package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/term"
)

// errHelp is returned when a command's usage was asked for (-h, --help)
// and printed; run returns nil for it, so the exit status is 0.
var errHelp = errors.New("help requested")

// newFlags returns the flag set of a command: synopsis is its usage line
// after "bot ", about says what it does. Every command takes --corpus and
// --data; the caller adds them with commonFlags, after its own flags.
func newFlags(synopsis, about string) *flag.FlagSet {
	name, _, _ := strings.Cut(synopsis, " ")
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: bot %s\n\n%s\n", synopsis, about)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseArgs parses a command's arguments, flags and positional ones in any
// order ("ask QUESTION --json"), and returns the positional ones. Asked
// for help, it prints the usage on stdout and returns errHelp; on a bad
// flag, the complaint and the usage go to stderr and it returns errSilent.
func parseArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, error) {
	var out bytes.Buffer
	fs.SetOutput(&out)
	pos, err := parseInterspersed(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		stdout.Write(out.Bytes())
		return nil, errHelp
	case err != nil:
		stderr.Write(out.Bytes())
		return nil, errSilent
	}
	return pos, nil
}

// parseInterspersed parses flags that may come before or after positional
// arguments and returns the positional ones; after "--" everything is
// positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// noArgs is the error of a command that takes no positional arguments.
func noArgs(cmd string, pos []string) error {
	if len(pos) > 0 {
		return fmt.Errorf("%s takes no arguments, got %q (see bot %s -h)", cmd, pos, cmd)
	}
	return nil
}

// isTerminal reports whether r is a terminal (not a pipe, a file or
// /dev/null, as under systemd or Docker without -t).
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// version is the release, set at build time with
// -ldflags "-X main.version=v1.2.3"; empty means the module version from
// the build information.
var version string

// versionString describes the build: the release or module version, the
// VCS revision and time when the build recorded them, the Go version and
// the platform.
func versionString() string {
	v, rev, at, modified := version, "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	out := "bot " + v
	if rev != "" {
		out += " revision " + rev
		if at != "" {
			out += " " + at
		}
		if modified {
			out += " (modified)"
		}
	}
	return fmt.Sprintf("%s %s %s/%s", out, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
