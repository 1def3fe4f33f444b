package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Interaction types (InteractionSpec.Type).
const (
	InteractionCommand      = 2
	InteractionComponent    = 3
	InteractionAutocomplete = 4
	InteractionModalSubmit  = 5
)

// defaultAppPermissions is what the bot may do in a channel unless a spec
// says otherwise: view, send, embed links, attach files, read history,
// create public threads, send in threads.
const defaultAppPermissions int64 = 1<<10 | 1<<11 | 1<<14 | 1<<15 | 1<<16 | 1<<35 | 1<<38

// InteractionSpec describes an interaction for SendInteraction. Empty
// fields take the defaults: type 2 (slash command), DefaultChannelID,
// DefaultGuildID (unless DM), DefaultUserID, DefaultUsername, locale en-US,
// component type 2 (button).
type InteractionSpec struct {
	Type int // InteractionCommand, InteractionComponent, InteractionAutocomplete, InteractionModalSubmit

	// Name and Options describe a command (type 1, CHAT_INPUT) for
	// InteractionCommand and InteractionAutocomplete.
	Name    string
	Options []Option

	// CustomID, ComponentType, Values and MessageID describe a component
	// interaction: the message is the stored message with that ID, or a
	// stub by the bot when the fake has none (a new ID when MessageID is
	// empty). CustomID is also a modal's, with ModalValues its text inputs
	// (custom ID → value).
	CustomID      string
	ComponentType int
	Values        []string
	MessageID     string
	ModalValues   map[string]string

	GuildID, ChannelID string
	UserID, Username   string
	Permissions        int64 // the member's permissions, sent as a decimal string
	AppPermissions     int64 // the bot's permissions in the channel; 0 means a usual text set
	Roles              []string
	DM                 bool // a DM: user instead of member, no guild_id
	Locale             string
}

// Option is a command option in an InteractionSpec. Type 0 is inferred
// from Value: string 3, integer 4, bool 5, float 10, nil with Options 1
// (subcommand).
type Option struct {
	Name    string
	Type    int
	Value   any
	Focused bool // the option being typed, for autocomplete
	Options []Option
}

// Ack is an accepted interaction callback.
type Ack struct {
	InteractionID, Token string
	Type                 int             // 4 message, 5 deferred message, 6 deferred update, 7 update, 8 autocomplete, 9 modal
	Data                 json.RawMessage // nil when the callback had none
	Latency              time.Duration   // from the dispatch to the callback's arrival
	At                   time.Time
}

type interaction struct {
	id, token      string
	typ            int
	channelID      string
	guildID        string
	dispatchedAt   time.Time
	dispatched     bool
	acked          bool
	originalID     string // the original response's message, once there is one
	componentMsgID string // the message of a component interaction
	followups      []string
}

// SendInteraction dispatches INTERACTION_CREATE for spec and returns the
// interaction's ID and token. Its ack deadline runs from the dispatch.
func (s *Server) SendInteraction(spec InteractionSpec) (id, token string, err error) {
	if spec.Type == 0 {
		spec.Type = InteractionCommand
	}
	if spec.ChannelID == "" {
		spec.ChannelID = DefaultChannelID
	}
	if spec.DM {
		spec.GuildID = ""
	} else if spec.GuildID == "" {
		spec.GuildID = DefaultGuildID
	}
	if spec.UserID == "" {
		spec.UserID = DefaultUserID
	}
	if spec.AppPermissions == 0 {
		spec.AppPermissions = defaultAppPermissions
	}
	if spec.Locale == "" {
		spec.Locale = "en-US"
	}

	s.mu.Lock()
	if spec.Username == "" {
		spec.Username = s.usernameLocked(spec.UserID)
	}
	s.users[spec.UserID] = spec.Username
	s.seeChannelLocked(spec.ChannelID, spec.GuildID)
	in := &interaction{id: s.newIDLocked(), typ: spec.Type, channelID: spec.ChannelID, guildID: spec.GuildID}
	in.token = "itoken-" + in.id
	p, err := s.interactionJSONLocked(in, spec)
	if err != nil {
		s.mu.Unlock()
		return "", "", err
	}
	s.interactions[in.id] = in
	s.byToken[in.token] = in
	s.mu.Unlock()

	err = s.dispatch("INTERACTION_CREATE", p, func() {
		s.mu.Lock()
		in.dispatched, in.dispatchedAt = true, time.Now()
		s.mu.Unlock()
	})
	return in.id, in.token, err
}

// interactionJSONLocked builds the INTERACTION_CREATE payload of spec.
func (s *Server) interactionJSONLocked(in *interaction, spec InteractionSpec) (map[string]any, error) {
	user := s.userJSONLocked(spec.UserID, false)
	p := map[string]any{
		"id":              in.id,
		"application_id":  s.cfg.appID,
		"type":            spec.Type,
		"token":           in.token,
		"version":         1,
		"channel_id":      spec.ChannelID,
		"app_permissions": strconv.FormatInt(spec.AppPermissions, 10),
		"locale":          spec.Locale,
		"entitlements":    []any{},
	}
	channel := map[string]any{"id": spec.ChannelID, "type": s.channelLocked(spec.ChannelID).Type}
	if spec.DM {
		p["user"] = user
		p["context"] = 1
	} else {
		roles := spec.Roles
		if roles == nil {
			roles = []string{}
		}
		p["guild_id"] = spec.GuildID
		p["guild_locale"] = "en-US"
		p["context"] = 0
		p["member"] = map[string]any{
			"user": user, "roles": roles, "permissions": strconv.FormatInt(spec.Permissions, 10),
			"joined_at": "2024-01-01T00:00:00Z", "nick": nil, "deaf": false, "mute": false, "flags": 0,
		}
		channel["guild_id"] = spec.GuildID
	}
	p["channel"] = channel

	switch spec.Type {
	case InteractionCommand, InteractionAutocomplete:
		if spec.Name == "" {
			return nil, fmt.Errorf("send interaction: a command needs a Name")
		}
		opts, err := optionsJSON(spec.Options)
		if err != nil {
			return nil, err
		}
		data := map[string]any{"id": s.commandIDLocked(spec.GuildID, spec.Name), "name": spec.Name, "type": 1}
		if len(opts) > 0 {
			data["options"] = opts
		}
		if spec.GuildID != "" {
			data["guild_id"] = spec.GuildID
		}
		p["data"] = data
	case InteractionComponent:
		if spec.ComponentType == 0 {
			spec.ComponentType = 2
		}
		if spec.MessageID == "" {
			spec.MessageID = s.newIDLocked()
		}
		in.componentMsgID = spec.MessageID
		data := map[string]any{"custom_id": spec.CustomID, "component_type": spec.ComponentType}
		if spec.Values != nil {
			data["values"] = spec.Values
		}
		p["data"] = data
		m, ok := s.messages[spec.MessageID]
		if !ok {
			m = s.stubMessageLocked(spec.MessageID, spec.ChannelID, spec.GuildID)
		}
		p["message"] = s.messageJSONLocked(m)
	case InteractionModalSubmit:
		keys := make([]string, 0, len(spec.ModalValues))
		for k := range spec.ModalValues {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		rows := make([]any, 0, len(keys))
		for _, k := range keys {
			rows = append(rows, map[string]any{"type": 1, "components": []any{
				map[string]any{"type": 4, "custom_id": k, "value": spec.ModalValues[k]},
			}})
		}
		p["data"] = map[string]any{"custom_id": spec.CustomID, "components": rows}
		if spec.MessageID != "" {
			in.componentMsgID = spec.MessageID
		}
	default:
		return nil, fmt.Errorf("send interaction: unknown type %d", spec.Type)
	}
	return p, nil
}

// stubMessageLocked returns a message by the bot with id, not stored.
func (s *Server) stubMessageLocked(id, channelID, guildID string) *Message {
	return &Message{
		ID: id, ChannelID: channelID, GuildID: guildID,
		Author: s.cfg.botUserID, AuthorName: s.cfg.botName, AuthorBot: true,
		CreatedAt: time.Now(),
	}
}

func optionsJSON(opts []Option) ([]any, error) {
	out := make([]any, 0, len(opts))
	for _, o := range opts {
		t := o.Type
		if t == 0 {
			switch o.Value.(type) {
			case string:
				t = 3
			case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
				t = 4
			case bool:
				t = 5
			case float32, float64:
				t = 10
			case nil:
				t = 1
			default:
				return nil, fmt.Errorf("send interaction: option %q: set Type for a %T value", o.Name, o.Value)
			}
		}
		j := map[string]any{"name": o.Name, "type": t}
		if o.Value != nil {
			j["value"] = o.Value
		}
		if o.Focused {
			j["focused"] = true
		}
		if len(o.Options) > 0 {
			sub, err := optionsJSON(o.Options)
			if err != nil {
				return nil, err
			}
			j["options"] = sub
		}
		out = append(out, j)
	}
	return out, nil
}

// validCallback reports whether an interaction of type it accepts a
// callback of type ct.
func validCallback(it, ct int) bool {
	switch it {
	case InteractionCommand:
		return ct == 4 || ct == 5 || ct == 9
	case InteractionComponent:
		return ct >= 4 && ct <= 7 || ct == 9
	case InteractionAutocomplete:
		return ct == 8
	case InteractionModalSubmit:
		return ct >= 4 && ct <= 7
	}
	return false
}

// postCallback answers POST interactions/{id}/{token}/callback.
func (s *Server) postCallback(r *apiRequest) response {
	f, isObj := fields(r.body)
	if !isObj {
		return invalidJSON()
	}
	var typ int
	if json.Unmarshal(f["type"], &typ) != nil {
		return invalidForm("type", "BASE_TYPE_REQUIRED", "This field is required")
	}
	data := f["data"]
	if isNull(data) {
		data = nil
	}
	var df map[string]json.RawMessage
	if data != nil {
		json.Unmarshal(data, &df)
	}
	if df == nil {
		df = map[string]json.RawMessage{}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if typ == 4 || typ == 7 {
		s.recordBodyLocked(r, df)
	}
	in := s.interactions[r.seg[1]]
	switch {
	case in == nil || in.token != r.seg[2] || !in.dispatched:
		return unknownInteraction()
	case in.acked:
		return apiError(http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
	case r.at.Sub(in.dispatchedAt) > s.ackDeadline:
		return unknownInteraction()
	case !validCallback(in.typ, typ) || (typ == 6 || typ == 7) && in.componentMsgID == "":
		return invalidForm("type", "BASE_TYPE_CHOICES", fmt.Sprintf("Interaction response type %d is not valid for interaction type %d", typ, in.typ))
	}

	switch typ {
	case 4, 5:
		if typ == 4 {
			if resp := validateWrite(df, true, r.files); resp != nil {
				return *resp
			}
		}
		m := s.stubMessageLocked(s.newIDLocked(), in.channelID, in.guildID)
		m.WebhookID, m.InteractionToken = s.cfg.appID, in.token
		if in.typ == InteractionCommand {
			m.Type = 20
		}
		if typ == 4 {
			applyWrite(m, df, false)
		} else {
			var flags int
			json.Unmarshal(df["flags"], &flags)
			m.Flags = flags&FlagEphemeral | FlagLoading
		}
		s.storeLocked(m, true)
		in.originalID = m.ID
	case 6, 7:
		m, ok := s.messages[in.componentMsgID]
		if !ok {
			m = s.stubMessageLocked(in.componentMsgID, in.channelID, in.guildID)
			s.storeLocked(m, true)
		}
		if typ == 7 {
			if resp := validateWrite(df, false, r.files); resp != nil {
				return *resp
			}
			applyWrite(m, df, true)
		}
		in.originalID = m.ID
	case 8:
		var choices []json.RawMessage
		json.Unmarshal(df["choices"], &choices)
		if len(choices) > 25 {
			return invalidForm("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		}
	}
	in.acked = true
	s.acks = append(s.acks, Ack{
		InteractionID: in.id, Token: in.token, Type: typ, Data: bytes.Clone(data),
		Latency: r.at.Sub(in.dispatchedAt), At: r.at,
	})
	s.notifyLocked()
	return response{status: http.StatusNoContent}
}

// webhookLocked finds the acknowledged interaction of a webhooks/{app}/{token}
// route.
func (s *Server) webhookLocked(r *apiRequest) (*interaction, *response) {
	in := s.byToken[r.seg[2]]
	if r.seg[1] != s.cfg.appID || in == nil || !in.acked {
		resp := apiError(http.StatusNotFound, 10015, "Unknown Webhook")
		return nil, &resp
	}
	return in, nil
}

// webhookMessageLocked finds the message of a
// webhooks/{app}/{token}/messages/{id} route: @original or a followup.
func (s *Server) webhookMessageLocked(r *apiRequest) (*Message, *response) {
	in, resp := s.webhookLocked(r)
	if resp != nil {
		return nil, resp
	}
	id := r.seg[4]
	if id == "@original" {
		id = in.originalID
	}
	m, ok := s.messages[id]
	if id == "" || !ok || (id != in.originalID && !slices.Contains(in.followups, id)) {
		resp := unknownMessage()
		return nil, &resp
	}
	return m, nil
}

// postFollowup answers POST webhooks/{app}/{token}[?wait=true].
func (s *Server) postFollowup(r *apiRequest) response {
	f, isObj := fields(r.body)
	if !isObj {
		return invalidJSON()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordBodyLocked(r, f)
	in, resp := s.webhookLocked(r)
	if resp != nil {
		return *resp
	}
	if resp := validateWrite(f, true, r.files); resp != nil {
		return *resp
	}
	m, ok := s.messages[in.originalID]
	if ok && m.Flags&FlagLoading != 0 {
		// As on Discord, the first followup to a deferred response that
		// was never edited replaces its "thinking…": it becomes the
		// original response, with the ack's ephemerality.
		kept := m.Flags & FlagEphemeral
		applyWrite(m, f, false)
		m.Flags = m.Flags&^(FlagEphemeral|FlagLoading) | kept
	} else {
		m = s.stubMessageLocked(s.newIDLocked(), in.channelID, in.guildID)
		m.WebhookID, m.InteractionToken = s.cfg.appID, in.token
		applyWrite(m, f, false)
		s.storeLocked(m, true)
		in.followups = append(in.followups, m.ID)
	}
	s.notifyLocked()
	if r.query.Get("wait") != "true" {
		return response{status: http.StatusNoContent}
	}
	return okJSON(s.messageJSONLocked(m))
}

func (s *Server) getWebhookMessage(r *apiRequest) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, resp := s.webhookMessageLocked(r)
	if resp != nil {
		return *resp
	}
	return okJSON(s.messageJSONLocked(m))
}

func (s *Server) patchWebhookMessage(r *apiRequest) response {
	f, isObj := fields(r.body)
	if !isObj {
		return invalidJSON()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordBodyLocked(r, f)
	m, resp := s.webhookMessageLocked(r)
	if resp != nil {
		return *resp
	}
	if resp := validateWrite(f, false, r.files); resp != nil {
		return *resp
	}
	applyWrite(m, f, true)
	s.notifyLocked()
	return okJSON(s.messageJSONLocked(m))
}

func (s *Server) deleteWebhookMessage(r *apiRequest) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, resp := s.webhookMessageLocked(r)
	if resp != nil {
		return *resp
	}
	s.removeLocked(m)
	s.notifyLocked()
	return response{status: http.StatusNoContent}
}

func unknownInteraction() response {
	return apiError(http.StatusNotFound, 10062, "Unknown interaction")
}

// Acks returns the accepted interaction callbacks, in order. Rejected ones
// (40060, 10062) are only in Calls.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ack, len(s.acks))
	for i, a := range s.acks {
		a.Data = bytes.Clone(a.Data)
		out[i] = a
	}
	return out
}

// Original returns the original response of the interaction with token, as
// last edited, and whether it exists: the message a type 4 or 5 callback
// created, or the component's message after a type 6 or 7.
func (s *Server) Original(token string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.byToken[token]
	if in == nil {
		return Message{}, false
	}
	m, ok := s.messages[in.originalID]
	if !ok {
		return Message{}, false
	}
	return cloneMessage(m), true
}

// Followups returns the live followup messages of the interaction with
// token, oldest first. A followup that replaced a deferred response's
// "thinking…" is the original response (see Original), not among them.
func (s *Server) Followups(token string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.byToken[token]
	if in == nil {
		return nil
	}
	var out []Message
	for _, id := range in.followups {
		if m, ok := s.messages[id]; ok {
			out = append(out, cloneMessage(m))
		}
	}
	return out
}
