package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/joho/godotenv"
)

// withDotenv returns a getenv that falls back to the variables of the
// .env file at path when the environment does not set them: real
// environment variables win over .env, and the command-line flags, parsed
// later, win over both. The file is read with godotenv (KEY=VALUE lines,
// # comments, "export ", single or double quotes, ${VAR} expansion). A
// missing file is not an error.
func withDotenv(getenv func(string) string, path string) (func(string) string, error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return getenv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	vals, err := godotenv.UnmarshalBytes(src)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, dotenvError(src, err))
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}, nil
}

// dotenvError rewrites a godotenv error to say on which line the file
// went wrong, without the text godotenv quotes: the rest of the file from
// there, which may hold API keys and tokens.
func dotenvError(src []byte, err error) error {
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	msg, near := err.Error(), ""
	if head, q, ok := strings.Cut(msg, " near "); ok {
		msg = head
		near, _ = strconv.Unquote(q)
	} else if rest, ok := strings.CutPrefix(msg, "unterminated quoted value "); ok {
		msg, near = "unterminated quoted value", rest
	}
	i := bytes.Index(src, []byte(near))
	if bytes.HasSuffix(src, []byte(near)) {
		i = len(src) - len(near) // the rest of the file from the bad line
	}
	if near != "" && i >= 0 {
		return fmt.Errorf("line %d: %s (want KEY=VALUE)", bytes.Count(src[:i], []byte("\n"))+1, msg)
	}
	return fmt.Errorf("%s (want KEY=VALUE lines)", msg)
}
