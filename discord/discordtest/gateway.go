package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
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
	shard      int  // guarded by Server.mu: the shard it identified or resumed as
	identified bool // only used by the handler goroutine
}

// gwSession is one shard's gateway session: the connection that received
// its READY or RESUMED (nil while none is open), and the last sequence
// number sent in it. A bot that sends no shard in IDENTIFY is shard 0 of 1.
type gwSession struct {
	conn *gwConn
	seq  int64
}

// ShardOf returns the shard that receives the events of guildID under the
// shard count of the last IDENTIFY, as Discord routes them:
// (guild_id >> 22) % shard_count. Events without a guild (direct
// messages) go to shard 0.
func (s *Server) ShardOf(guildID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shardOfLocked(guildID)
}

func (s *Server) shardOfLocked(guildID string) int {
	id, err := strconv.ParseUint(guildID, 10, 64)
	if guildID == "" || err != nil || s.shardCount <= 1 {
		return 0
	}
	return int((id >> 22) % uint64(s.shardCount))
}

// sessionLocked returns the session of shard, creating it.
func (s *Server) sessionLocked(shard int) *gwSession {
	g := s.sessions[shard]
	if g == nil {
		g = &gwSession{}
		s.sessions[shard] = g
	}
	return g
}

// dropConnLocked stops treating c as its shard's ready connection.
func (s *Server) dropConnLocked(c *gwConn) {
	if g := s.sessions[c.shard]; g != nil && g.conn == c {
		g.conn = nil
	}
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
		s.dropConnLocked(c)
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
			s.handleResume(c, in.D)
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
	shard, count := 0, 1
	if id.Shard != nil {
		shard, count = id.Shard[0], id.Shard[1]
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
	case count < 1 || shard < 0 || shard >= count:
		s.closeConn(c, 4010, "Invalid shard.")
		return
	}

	ready := map[string]any{
		"v":                  9,
		"session_id":         sessionPrefix + strconv.Itoa(shard),
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
	// The shard count of the last IDENTIFY routes the guilds' events.
	s.shardCount = count
	c.shard = shard
	g := s.sessionLocked(shard)
	g.seq = seq
	if !c.closing && !s.closed {
		g.conn = c
	}
	s.notifyLocked()
	s.mu.Unlock()
}

// sessionPrefix starts the session IDs READY gives; the shard follows, so
// that a RESUME finds its shard's session.
const sessionPrefix = "fake-session-"

func (s *Server) handleResume(c *gwConn, d json.RawMessage) {
	var res struct {
		SessionID string `json:"session_id"`
	}
	json.Unmarshal(d, &res) // an unknown session resumes shard 0
	shard, _ := strconv.Atoi(strings.TrimPrefix(res.SessionID, sessionPrefix))
	s.dispatchMu.Lock()
	defer s.dispatchMu.Unlock()
	s.mu.Lock()
	s.resumes++
	c.shard = shard
	g := s.sessionLocked(shard)
	seq := g.seq + 1
	s.mu.Unlock()
	if c.write(frame{Op: 0, S: &seq, T: "RESUMED", D: map[string]any{}}) != nil {
		return
	}
	s.mu.Lock()
	g.seq = seq
	if !c.closing && !s.closed {
		g.conn = c
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
	s.dropConnLocked(c)
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

// CloseGateway closes the ready gateway connections (one per shard) with a
// close frame of code and reason, as Discord does with 4000-4014. discordgo
// then reconnects in the background (after its 1 s Close) and resumes with
// op 6, which the server answers with RESUMED. It returns ErrNotConnected
// if no connection is ready.
func (s *Server) CloseGateway(code int, reason string) error {
	s.mu.Lock()
	var conns []*gwConn
	for _, g := range s.sessions {
		if g.conn != nil {
			conns = append(conns, g.conn)
		}
	}
	s.mu.Unlock()
	if len(conns) == 0 {
		return ErrNotConnected
	}
	var errs []error
	for _, c := range conns {
		errs = append(errs, s.closeConn(c, code, reason))
	}
	return errors.Join(errs...)
}

// WaitConnected returns once a gateway connection has received READY or
// RESUMED and is still open.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.waitFor(ctx, func() bool {
		for _, g := range s.sessions {
			if g.conn != nil {
				return true
			}
		}
		return false
	})
}

// WaitShard returns once shard has a ready gateway connection: a bot
// identified as that shard (shard 0 for a bot that sends no shard).
func (s *Server) WaitShard(ctx context.Context, shard int) error {
	return s.waitFor(ctx, func() bool {
		g := s.sessions[shard]
		return g != nil && g.conn != nil
	})
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
// the ready gateway connection of the shard its guild_id routes to (see
// ShardOf; shard 0 when it has none), with that session's next sequence
// number. d is encoded as JSON unless it is a json.RawMessage or []byte
// already. It returns ErrNotConnected when that shard has no ready
// connection, even if others do: on Discord the event would wait for it.
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
	var routed struct {
		GuildID string `json:"guild_id"`
	}
	json.Unmarshal(raw, &routed) // not an object: no guild, shard 0
	s.dispatchMu.Lock()
	defer s.dispatchMu.Unlock()
	s.mu.Lock()
	g := s.sessionLocked(s.shardOfLocked(routed.GuildID))
	c := g.conn
	seq := g.seq + 1
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
	g.seq = seq
	s.mu.Unlock()
	return nil
}
