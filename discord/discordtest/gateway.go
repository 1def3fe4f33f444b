package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ErrNotConnected is returned by the dispatching methods when no gateway
// connection has received READY or RESUMED.
var ErrNotConnected = errors.New("discordtest: no gateway connection is ready")

// ErrClosed is returned by the waiting methods when the server closes.
var ErrClosed = errors.New("discordtest: server closed")

// IdentifyPayload is the content of an op 2 IDENTIFY.
type IdentifyPayload struct {
	Token    string
	Intents  int     // compare with int(discordgo.IntentsGuilds|…)
	Shard    *[2]int // nil when the client sent none (discordgo: ShardCount ≤ 1)
	Compress bool
	Raw      json.RawMessage // the whole "d" object
}

type closeSpec struct {
	code   int
	reason string
}

// gwConn is one gateway websocket. Reads happen on its handler goroutine;
// writes are serialized by writeMu.
type gwConn struct {
	ws         *websocket.Conn
	writeMu    sync.Mutex
	closing    bool // guarded by Server.mu: a close frame was sent
	identified bool // only used by the handler goroutine
}

type frame struct {
	Op int    `json:"op"`
	S  *int64 `json:"s,omitempty"`
	T  string `json:"t,omitempty"`
	D  any    `json:"d"`
}

func (c *gwConn) write(f frame) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(f)
}

// sendClose sends a close frame with code and reason; the handler goroutine
// then reads until the client closes (or 2 s pass) and closes the socket.
func (c *gwConn) sendClose(code int, reason string) error {
	c.writeMu.Lock()
	err := c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	c.writeMu.Unlock()
	c.ws.SetReadDeadline(time.Now().Add(2 * time.Second))
	return err
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed || s.gatewayDown {
		s.mu.Unlock()
		http.Error(w, "gateway unavailable", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	u := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := u.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	c := &gwConn{ws: ws}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.conns[c] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		if s.current == c {
			s.current = nil
		}
		s.notifyLocked()
		s.mu.Unlock()
		ws.Close()
	}()

	hello := map[string]any{"heartbeat_interval": s.cfg.heartbeat.Milliseconds()}
	if c.write(frame{Op: 10, D: hello}) != nil {
		return
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var in struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(data, &in) != nil {
			s.closeConn(c, 4002, "Error while decoding payload.")
			continue
		}
		s.mu.Lock()
		closing := c.closing
		s.mu.Unlock()
		if closing {
			continue // draining until the client goes
		}
		switch in.Op {
		case 1: // heartbeat
			c.write(frame{Op: 11})
		case 2:
			if c.identified {
				s.closeConn(c, 4005, "Already authenticated.")
				continue
			}
			c.identified = true
			s.handleIdentify(c, in.D)
		case 6:
			if c.identified {
				s.closeConn(c, 4005, "Already authenticated.")
				continue
			}
			c.identified = true
			s.handleResume(c)
		}
	}
}

func (s *Server) handleIdentify(c *gwConn, d json.RawMessage) {
	var id struct {
		Token    string  `json:"token"`
		Intents  int     `json:"intents"`
		Shard    *[2]int `json:"shard"`
		Compress bool    `json:"compress"`
	}
	if json.Unmarshal(d, &id) != nil {
		s.closeConn(c, 4002, "Error while decoding payload.")
		return
	}
	s.mu.Lock()
	s.identify = &IdentifyPayload{Token: id.Token, Intents: id.Intents, Shard: id.Shard, Compress: id.Compress, Raw: append(json.RawMessage(nil), d...)}
	s.identifies++
	reject := s.reject
	s.notifyLocked()
	s.mu.Unlock()

	switch {
	case s.cfg.token != "" && id.Token != s.cfg.token && id.Token != "Bot "+s.cfg.token:
		s.closeConn(c, 4004, "Authentication failed.")
		return
	case reject != nil:
		s.closeConn(c, reject.code, reject.reason)
		return
	}

	ready := map[string]any{
		"v":                  9,
		"session_id":         "fake-session",
		"resume_gateway_url": s.GatewayURL(),
		"user":               map[string]any{"id": s.cfg.botUserID, "username": s.cfg.botName, "discriminator": "0", "bot": true},
		"application":        map[string]any{"id": s.cfg.appID, "flags": 0},
		"guilds":             []any{},
		"private_channels":   []any{},
	}
	if id.Shard != nil {
		ready["shard"] = id.Shard
	}
	s.dispatchMu.Lock()
	defer s.dispatchMu.Unlock()
	seq := int64(1) // a new session starts counting again
	if c.write(frame{Op: 0, S: &seq, T: "READY", D: ready}) != nil {
		return
	}
	s.mu.Lock()
	s.seq = seq
	if !c.closing && !s.closed {
		s.current = c
	}
	s.notifyLocked()
	s.mu.Unlock()
}

func (s *Server) handleResume(c *gwConn) {
	s.dispatchMu.Lock()
	defer s.dispatchMu.Unlock()
	s.mu.Lock()
	s.resumes++
	seq := s.seq + 1
	s.mu.Unlock()
	if c.write(frame{Op: 0, S: &seq, T: "RESUMED", D: map[string]any{}}) != nil {
		return
	}
	s.mu.Lock()
	s.seq = seq
	if !c.closing && !s.closed {
		s.current = c
	}
	s.notifyLocked()
	s.mu.Unlock()
}

// closeConn sends a close frame on c and stops treating it as current.
func (s *Server) closeConn(c *gwConn, code int, reason string) error {
	s.mu.Lock()
	if c.closing {
		s.mu.Unlock()
		return nil
	}
	c.closing = true
	if s.current == c {
		s.current = nil
	}
	s.notifyLocked()
	s.mu.Unlock()
	return c.sendClose(code, reason)
}

// RejectIdentify makes every later IDENTIFY be answered by closing the
// connection with code and reason instead of READY, as Discord does for
// 4004 (authentication failed) or 4014 (disallowed intents): the
// Session.Open in progress then returns a *websocket.CloseError with that
// code. The IDENTIFY is still recorded. A code of 0 restores READY.
func (s *Server) RejectIdentify(code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		s.reject = nil
		return
	}
	s.reject = &closeSpec{code: code, reason: reason}
}

// SetGatewayDown makes the gateway refuse new websocket connections with
// 503 while down is true, as during an outage of Discord's gateway:
// discordgo then retries its reconnection with a growing wait (1 s, 2 s,
// 4 s…). Connections already open are left alone (see CloseGateway).
func (s *Server) SetGatewayDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gatewayDown = down
}

// CloseGateway closes the ready gateway connection with a close frame of
// code and reason, as Discord does with 4000-4014. discordgo then reconnects
// in the background (after its 1 s Close) and resumes with op 6, which the
// server answers with RESUMED. It returns ErrNotConnected if no connection
// is ready.
func (s *Server) CloseGateway(code int, reason string) error {
	s.mu.Lock()
	c := s.current
	s.mu.Unlock()
	if c == nil {
		return ErrNotConnected
	}
	return s.closeConn(c, code, reason)
}

// WaitConnected returns once a gateway connection has received READY or
// RESUMED and is still open.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.waitFor(ctx, func() bool { return s.current != nil })
}

// Identify returns the last IDENTIFY received, and whether there was one.
func (s *Server) Identify() (IdentifyPayload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.identify == nil {
		return IdentifyPayload{}, false
	}
	id := *s.identify
	if id.Shard != nil {
		sh := *id.Shard
		id.Shard = &sh
	}
	id.Raw = append(json.RawMessage(nil), id.Raw...)
	return id, true
}

// GatewayCounts returns how many IDENTIFY and RESUME payloads the gateway
// received.
func (s *Server) GatewayCounts() (identifies, resumes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identifies, s.resumes
}

// Dispatch sends a dispatch event (op 0) of type eventType with payload d on
// the ready gateway connection, with the next sequence number. d is encoded
// as JSON unless it is a json.RawMessage or []byte already.
func (s *Server) Dispatch(eventType string, d any) error {
	return s.dispatch(eventType, d, nil)
}

// dispatch is Dispatch calling before, if not nil, just before the frame is
// written, with the frame's sequence number reserved.
func (s *Server) dispatch(eventType string, d any, before func()) error {
	var raw json.RawMessage
	switch v := d.(type) {
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	default:
		b, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("dispatch %s: %w", eventType, err)
		}
		raw = b
	}
	if !json.Valid(raw) {
		return fmt.Errorf("dispatch %s: payload is not valid JSON", eventType)
	}
	s.dispatchMu.Lock()
	defer s.dispatchMu.Unlock()
	s.mu.Lock()
	c := s.current
	seq := s.seq + 1
	s.mu.Unlock()
	if c == nil {
		return ErrNotConnected
	}
	if before != nil {
		before()
	}
	if err := c.write(frame{Op: 0, S: &seq, T: eventType, D: raw}); err != nil {
		return fmt.Errorf("dispatch %s: %w", eventType, err)
	}
	s.mu.Lock()
	s.seq = seq
	s.mu.Unlock()
	return nil
}
