package main

import (
	"strings"
	"testing"
)

// TestOneShotCommandsQuietAtInfo: at the default level (info), ask logs
// nothing on stderr, even when it builds the index; at debug it does.
func TestOneShotCommandsQuietAtInfo(t *testing.T) {
	_, stderr, err := runBot(t, nil, "", "ask", evacuationQ)
	if err != nil || stderr != "" {
		t.Errorf("ask at info: err %v, stderr:\n%s", err, stderr)
	}
	_, stderr, err = runBot(t, map[string]string{"LOG_LEVEL": "debug", "LOG_FORMAT": "json"}, "", "ask", evacuationQ)
	if err != nil || !strings.Contains(stderr, `"level":"INFO","msg":"no embedding snapshot, building from the corpus"`) {
		t.Errorf("ask at debug, JSON: err %v, stderr:\n%s", err, stderr)
	}
	if _, _, err := runBot(t, map[string]string{"LOG_FORMAT": "xml"}, "", "ask", evacuationQ); err == nil || !strings.Contains(err.Error(), `LOG_FORMAT="xml"`) {
		t.Errorf("LOG_FORMAT=xml: err = %v", err)
	}
}
