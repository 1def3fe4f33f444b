// Package discordtest provides a loopback fake of Discord for tests: the REST
// API under /api/v9 and a gateway websocket, both on 127.0.0.1, that a real
// discordgo.Session talks to through Transport.
//
// The fake owns the state a bot's tests assert on: the IDENTIFY it received,
// every REST call, the messages of each channel, interaction acks with their
// latency, interaction responses and followups, threads and the registered
// application commands. Tests drive it by dispatching gateway events
// (SendInteraction, SendMessage, Dispatch) and by injecting faults
// (FailNext, FailNextN, DropNext, SetLatency, RefuseThreads,
// RejectIdentify, CloseGateway, SetGatewayDown).
//
// It enforces the rules a bot most often breaks: the interaction ack deadline
// and single ack, the webhook that only exists after the ack, message and
// embed limits, empty messages, thread names and application command shapes.
// It behaves as Discord where a bot's retries rely on it: a message created
// with an enforced nonce is created once, and the first followup to a
// deferred response that was never edited replaces its "thinking…".
// It is lenient about IDs it has never seen: an unknown channel is a guild
// text channel, an unknown referenced message exists.
//
// Bots that identify with a shard each get their own gateway session, and
// every event goes to the shard Discord would route it to:
// (guild_id >> 22) % shard_count, direct messages to shard 0 (see ShardOf,
// WaitShard).
//
// It speaks the wire protocol with its own types and does not import
// discordgo, so it checks the client rather than mirroring it.
package discordtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults used when an option or a spec field is left empty. The bot user ID
// and the application ID differ on purpose, so that a bot that confuses them
// fails its tests (on Discord they are usually equal).
const (
	DefaultBotUserID = "100000000000000001"
	DefaultBotName   = "situationbot"
	DefaultAppID     = "200000000000000002"
	DefaultGuildID   = "300000000000000003"
	DefaultChannelID = "400000000000000004"
	DefaultUserID    = "500000000000000005"
	DefaultUsername  = "tester"
)

// DefaultAckDeadline is how long after an interaction's dispatch its
// callback is still accepted, as on Discord.
const DefaultAckDeadline = 3 * time.Second

// DefaultHeartbeatInterval is the heartbeat interval sent in HELLO.
const DefaultHeartbeatInterval = 45 * time.Second

// ServerOption configures a Server.
type ServerOption func(*config)

type config struct {
	botUserID   string
	botName     string
	appID       string
	heartbeat   time.Duration
	ackDeadline time.Duration
	token       string
}

// WithBotUser sets the bot user's ID and username (READY, /users/@me,
// message authors).
func WithBotUser(id, username string) ServerOption {
	return func(c *config) { c.botUserID, c.botName = id, username }
}

// WithAppID sets the application ID (READY, interactions, command and
// webhook routes).
func WithAppID(id string) ServerOption {
	return func(c *config) { c.appID = id }
}

// WithHeartbeatInterval sets the interval sent in HELLO; discordgo heartbeats
// at that pace and reconnects after five missed acks.
func WithHeartbeatInterval(d time.Duration) ServerOption {
	return func(c *config) { c.heartbeat = d }
}

// WithAckDeadline sets how long after dispatch an interaction callback is
// accepted; later callbacks get 404 Unknown interaction (10062).
func WithAckDeadline(d time.Duration) ServerOption {
	return func(c *config) { c.ackDeadline = d }
}

// WithToken makes the server check the bot token: REST calls outside the
// webhook and interaction routes need "Authorization: Bot <token>" (else 401)
// and an IDENTIFY with another token is closed with 4004. Without it any
// token is accepted.
func WithToken(token string) ServerOption {
	return func(c *config) { c.token = token }
}

// Server is a fake Discord on 127.0.0.1. All its methods are safe for
// concurrent use.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:PORT, serving the REST
	// API under /api/v9.
	URL string

	cfg  config
	ts   *httptest.Server
	done chan struct{}
	wg   sync.WaitGroup // gateway handlers, which outlive httptest's tracking

	// dispatchMu orders gateway sequence numbers with the frames on the wire.
	dispatchMu sync.Mutex

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced on every state change
	closed      bool
	ackDeadline time.Duration
	nextID      int64

	calls     []Call
	bodies    []BodyRecord
	faults    []fault
	latencies []latency

	messages map[string]*Message // by ID, live messages only
	history  map[string][]string // channel ID → live message IDs, oldest first
	deleted  map[string]bool     // message IDs deleted while the fake watched
	users    map[string]string   // user ID → username, from specs
	channels map[string]*Channel
	refusals map[string]ThreadRefusal
	threadOf map[string]string // message ID → thread started from it
	nonces   map[string]string // channel ID + "/" + enforced nonce → message ID

	interactions map[string]*interaction // by interaction ID
	byToken      map[string]*interaction
	acks         []Ack

	commands map[string][]map[string]any // scope ("" = global, else guild ID) → commands

	identify    *IdentifyPayload
	identifies  int
	resumes     int
	reject      *closeSpec
	gatewayDown bool // new gateway connections are refused
	conns       map[*gwConn]bool
	sessions    map[int]*gwSession // by shard
	shardCount  int                // of the last IDENTIFY; 1 without shards
}

// NewServer starts a fake Discord on 127.0.0.1. Close it when done, after
// closing the sessions that use it.
func NewServer(opts ...ServerOption) *Server {
	cfg := config{
		botUserID:   DefaultBotUserID,
		botName:     DefaultBotName,
		appID:       DefaultAppID,
		heartbeat:   DefaultHeartbeatInterval,
		ackDeadline: DefaultAckDeadline,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg:          cfg,
		done:         make(chan struct{}),
		changed:      make(chan struct{}),
		ackDeadline:  cfg.ackDeadline,
		nextID:       900000000000000000,
		messages:     map[string]*Message{},
		history:      map[string][]string{},
		deleted:      map[string]bool{},
		users:        map[string]string{cfg.botUserID: cfg.botName, DefaultUserID: DefaultUsername},
		channels:     map[string]*Channel{},
		refusals:     map[string]ThreadRefusal{},
		threadOf:     map[string]string{},
		nonces:       map[string]string{},
		interactions: map[string]*interaction{},
		byToken:      map[string]*interaction{},
		commands:     map[string][]map[string]any{},
		conns:        map[*gwConn]bool{},
		sessions:     map[int]*gwSession{},
		shardCount:   1,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway", s.serveGateway)
	mux.HandleFunc("/gateway/", s.serveGateway)
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeResponse(w, notFound())
	})
	s.ts = httptest.NewServer(mux)
	s.URL = s.ts.URL
	return s
}

// Close closes the gateway connections, then the server, waiting for its
// handlers. Close the discordgo sessions first, or they will try to
// reconnect.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	conns := make([]*gwConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	for _, g := range s.sessions {
		g.conn = nil
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
	s.ts.Close()
	s.wg.Wait()
}

// GatewayURL returns the websocket URL that GET /api/v9/gateway returns.
func (s *Server) GatewayURL() string {
	return "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway"
}

// BotUserID returns the bot user's ID.
func (s *Server) BotUserID() string { return s.cfg.botUserID }

// AppID returns the application ID.
func (s *Server) AppID() string { return s.cfg.appID }

// SetAckDeadline changes how long after dispatch an interaction callback is
// accepted, for interactions dispatched before or after the call.
func (s *Server) SetAckDeadline(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ackDeadline = d
}

// Transport returns an http.RoundTripper that sends requests for
// discord.com (and discordapp.com) to this server, keeping their paths, and
// refuses every other host but the server's own. Use it as the
// discordgo.Session's Client transport:
//
//	sess.Client = &http.Client{Transport: srv.Transport()}
func (s *Server) Transport() http.RoundTripper {
	u, _ := url.Parse(s.URL) // httptest's URL always parses
	return &rewriteTransport{target: u, next: s.ts.Client().Transport}
}

// HTTPClient returns an http.Client using Transport, with a 10 s timeout.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: s.Transport(), Timeout: 10 * time.Second}
}

type rewriteTransport struct {
	target *url.URL
	next   http.RoundTripper
}

// RoundTrip rewrites the scheme and host of requests for Discord's API.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Hostname()
	switch {
	case req.URL.Host == t.target.Host:
		return t.next.RoundTrip(req)
	case host == "discord.com" || host == "discordapp.com" || strings.HasSuffix(host, ".discord.com"):
		r := req.Clone(req.Context())
		r.URL.Scheme = t.target.Scheme
		r.URL.Host = t.target.Host
		r.Host = t.target.Host
		return t.next.RoundTrip(r)
	default:
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("discordtest: request to %s: only discord.com is faked", req.URL.Host)
	}
}

// newIDLocked returns a new snowflake-like ID, greater than all earlier ones.
func (s *Server) newIDLocked() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// notifyLocked wakes the goroutines waiting for a state change.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond, called with s.mu held, reports true, or ctx
// ends, or the server closes.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return ErrClosed
		}
	}
}

// idLess orders snowflake IDs numerically (decimal strings without leading
// zeros).
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
