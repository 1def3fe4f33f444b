package discordtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Message flags the fake interprets.
const (
	FlagEphemeral = 1 << 6 // only the invoking user sees it; kept out of channel history
	FlagLoading   = 1 << 7 // a deferred interaction response, "thinking"
)

// Message is a message as the fake holds it: one a user sent (SendMessage)
// or one the bot created through REST (channel message, interaction
// response, followup).
type Message struct {
	ID, ChannelID, GuildID string
	Content                string
	Embeds                 json.RawMessage // the embeds array as sent; nil when none
	Components             json.RawMessage // the components array as sent; nil when none
	// HasAllowedMentions reports whether the last create or edit of the
	// message carried an allowed_mentions key; AllowedMentions is its raw
	// value (nil when absent).
	HasAllowedMentions bool
	AllowedMentions    json.RawMessage
	Flags              int
	Type               int // 0 default, 19 reply, 20 slash command response, 21 thread starter
	Edits              int // successful edits since creation
	Reference          *Reference
	Author             string // author's user ID
	AuthorName         string
	AuthorBot          bool
	Mentions           []string // IDs of the users a user message mentions
	WebhookID          string   // the application ID, for interaction responses and followups
	InteractionToken   string   // for interaction responses and followups
	CreatedAt          time.Time
	EditedAt           time.Time // zero until edited
}

// Reference is a message's message_reference: what it replies to.
type Reference struct {
	MessageID, ChannelID, GuildID string
}

// Channel is a channel as the fake holds it. Channels never registered
// with AddChannel, and never seen in a spec, read as guild text channels
// (type 0) of DefaultGuildID.
type Channel struct {
	ID, GuildID, Name string
	Type              int // 0 guild text, 1 DM, 5 announcement, 10-12 threads, 15 forum
	ParentID          string
	OwnerID           string
	// AutoArchiveDuration is a thread's, in minutes.
	AutoArchiveDuration int
	// StarterMessageID is the message a thread was started from ("" for
	// threads started without one). Such a thread has the message's ID.
	StarterMessageID string
}

// ThreadRefusal is how thread creation in a channel fails.
type ThreadRefusal int

const (
	// ThreadsAllowed lets threads be created (the default).
	ThreadsAllowed ThreadRefusal = iota
	// ThreadsMissingPermissions answers 403 Missing Permissions (50013).
	ThreadsMissingPermissions
	// ThreadsAlreadyCreated answers 400 "A thread has already been
	// created for this message" (160004), which the fake also answers,
	// unasked, to a second thread on one message.
	ThreadsAlreadyCreated
	// ThreadsWrongChannelType answers 400 "Cannot execute action on this
	// channel type" (50024), which the fake also answers, unasked, in DMs
	// and threads.
	ThreadsWrongChannelType
)

// MessageSpec describes a user message for SendMessage. Empty fields take
// the defaults: DefaultChannelID, DefaultGuildID (unless DM),
// DefaultUserID, DefaultUsername.
type MessageSpec struct {
	ChannelID, GuildID   string
	DM                   bool // a direct message: no guild_id, no member
	Content              string
	AuthorID, AuthorName string
	Bot                  bool     // the author is a bot
	MentionIDs           []string // users mentioned, e.g. BotUserID(); put <@id> in Content yourself
	ReplyTo              string   // ID of the message this one replies to
	Type                 int      // 0 default; 19 (reply) when ReplyTo is set and Type is 0
}

// AddChannel registers a channel, replacing one with the same ID.
func (s *Server) AddChannel(ch Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := ch
	s.channels[ch.ID] = &c
}

// Channel returns a registered channel or thread, and whether it exists.
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	return *c, true
}

// Threads returns the threads created in parent, oldest first.
func (s *Server) Threads(parentID string) []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.channels {
		if c.ParentID == parentID && isThread(c.Type) {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b Channel) int {
		if idLess(a.ID, b.ID) {
			return -1
		}
		return 1
	})
	return out
}

// RefuseThreads makes thread creation in channelID fail with r
// (ThreadsAllowed lifts it).
func (s *Server) RefuseThreads(channelID string, r ThreadRefusal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusals[channelID] = r
}

// Messages returns the live messages of a channel, oldest first: user
// messages sent with SendMessage, the bot's channel messages, its
// non-ephemeral interaction responses and followups, and, in a thread
// started from a message, the THREAD_STARTER_MESSAGE (type 21, empty
// content) that Discord puts first.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := s.history[channelID]
	out := make([]Message, 0, len(ids))
	for _, id := range ids {
		out = append(out, cloneMessage(s.messages[id]))
	}
	return out
}

// SendMessage stores a user message in its channel's history and
// dispatches MESSAGE_CREATE for it. The message stays stored when the
// dispatch fails.
func (s *Server) SendMessage(m MessageSpec) (Message, error) {
	if m.ChannelID == "" {
		m.ChannelID = DefaultChannelID
	}
	if m.DM {
		m.GuildID = ""
	} else if m.GuildID == "" {
		m.GuildID = DefaultGuildID
	}
	if m.AuthorID == "" {
		m.AuthorID = DefaultUserID
	}
	s.mu.Lock()
	if m.AuthorName == "" {
		m.AuthorName = s.usernameLocked(m.AuthorID)
	}
	s.users[m.AuthorID] = m.AuthorName
	s.seeChannelLocked(m.ChannelID, m.GuildID)
	msg := &Message{
		ID:         s.newIDLocked(),
		ChannelID:  m.ChannelID,
		GuildID:    m.GuildID,
		Content:    m.Content,
		Type:       m.Type,
		Author:     m.AuthorID,
		AuthorName: m.AuthorName,
		AuthorBot:  m.Bot,
		Mentions:   slices.Clone(m.MentionIDs),
		CreatedAt:  time.Now(),
	}
	if m.ReplyTo != "" {
		msg.Reference = &Reference{MessageID: m.ReplyTo, ChannelID: m.ChannelID, GuildID: m.GuildID}
		if msg.Type == 0 {
			msg.Type = 19
		}
	}
	s.storeLocked(msg, true)
	payload := s.messageJSONLocked(msg)
	if !m.DM {
		payload["member"] = map[string]any{"roles": []string{}, "joined_at": "2024-01-01T00:00:00Z", "deaf": false, "mute": false, "flags": 0}
	}
	if msg.Reference != nil {
		if ref, ok := s.messages[m.ReplyTo]; ok {
			payload["referenced_message"] = s.messageJSONLocked(ref)
		}
	}
	out := cloneMessage(msg)
	s.notifyLocked()
	s.mu.Unlock()
	return out, s.Dispatch("MESSAGE_CREATE", payload)
}

// DeleteMessage deletes a message, as a user or moderator would, and
// dispatches MESSAGE_DELETE if the gateway is connected. Later replies
// that must reference it fail with 400, threads on it with 404.
func (s *Server) DeleteMessage(channelID, messageID string) error {
	s.mu.Lock()
	m, ok := s.messages[messageID]
	if ok && m.ChannelID == channelID {
		s.removeLocked(m)
	}
	guildID := s.channelLocked(channelID).GuildID
	s.mu.Unlock()
	d := map[string]any{"id": messageID, "channel_id": channelID}
	if guildID != "" {
		d["guild_id"] = guildID
	}
	if err := s.Dispatch("MESSAGE_DELETE", d); err != nil && !errors.Is(err, ErrNotConnected) {
		return err
	}
	return nil
}

// storeLocked adds a new message, to its channel's history unless
// ephemeral or inHistory is false.
func (s *Server) storeLocked(m *Message, inHistory bool) {
	s.messages[m.ID] = m
	if !inHistory || m.Flags&FlagEphemeral != 0 {
		return
	}
	h := s.history[m.ChannelID]
	i, _ := slices.BinarySearchFunc(h, m.ID, func(a, b string) int {
		if idLess(a, b) {
			return -1
		}
		if a == b {
			return 0
		}
		return 1
	})
	s.history[m.ChannelID] = slices.Insert(h, i, m.ID)
}

func (s *Server) removeLocked(m *Message) {
	delete(s.messages, m.ID)
	s.deleted[m.ID] = true
	s.history[m.ChannelID] = slices.DeleteFunc(s.history[m.ChannelID], func(id string) bool { return id == m.ID })
}

func cloneMessage(m *Message) Message {
	c := *m
	c.Embeds = bytes.Clone(m.Embeds)
	c.Components = bytes.Clone(m.Components)
	c.AllowedMentions = bytes.Clone(m.AllowedMentions)
	c.Mentions = slices.Clone(m.Mentions)
	if m.Reference != nil {
		r := *m.Reference
		c.Reference = &r
	}
	return c
}

func (s *Server) usernameLocked(id string) string {
	if n, ok := s.users[id]; ok {
		return n
	}
	return "user-" + id
}

func (s *Server) userJSONLocked(id string, bot bool) map[string]any {
	return map[string]any{"id": id, "username": s.usernameLocked(id), "discriminator": "0", "global_name": nil, "avatar": nil, "bot": bot}
}

// messageJSONLocked renders a message as Discord sends it.
func (s *Server) messageJSONLocked(m *Message) map[string]any {
	mentions := make([]any, 0, len(m.Mentions))
	for _, id := range m.Mentions {
		mentions = append(mentions, s.userJSONLocked(id, id == s.cfg.botUserID))
	}
	out := map[string]any{
		"id":               m.ID,
		"channel_id":       m.ChannelID,
		"content":          m.Content,
		"timestamp":        m.CreatedAt.UTC().Format(time.RFC3339Nano),
		"edited_timestamp": nil,
		"tts":              false,
		"mention_everyone": false,
		"mention_roles":    []any{},
		"mentions":         mentions,
		"author":           s.userJSONLocked(m.Author, m.AuthorBot),
		"attachments":      []any{},
		"embeds":           rawOrEmpty(m.Embeds),
		"components":       rawOrEmpty(m.Components),
		"pinned":           false,
		"type":             m.Type,
		"flags":            m.Flags,
	}
	if m.GuildID != "" {
		out["guild_id"] = m.GuildID
	}
	if !m.EditedAt.IsZero() {
		out["edited_timestamp"] = m.EditedAt.UTC().Format(time.RFC3339Nano)
	}
	if m.WebhookID != "" {
		out["webhook_id"] = m.WebhookID
		out["application_id"] = m.WebhookID
	}
	if r := m.Reference; r != nil {
		ref := map[string]any{"type": 0, "message_id": r.MessageID, "channel_id": r.ChannelID}
		if r.GuildID != "" {
			ref["guild_id"] = r.GuildID
		}
		out["message_reference"] = ref
	}
	return out
}

func rawOrEmpty(r json.RawMessage) json.RawMessage {
	if r == nil {
		return json.RawMessage("[]")
	}
	return r
}

// channelLocked returns a channel, registered or default.
func (s *Server) channelLocked(id string) *Channel {
	if c, ok := s.channels[id]; ok {
		return c
	}
	return &Channel{ID: id, GuildID: DefaultGuildID, Name: "channel-" + id}
}

// seeChannelLocked registers a channel first seen in a spec: a guild text
// channel, or a DM when guildID is empty.
func (s *Server) seeChannelLocked(id, guildID string) {
	if _, ok := s.channels[id]; ok {
		return
	}
	c := &Channel{ID: id, GuildID: guildID, Name: "channel-" + id}
	if guildID == "" {
		c.Type, c.Name = 1, ""
	}
	s.channels[id] = c
}

func isThread(t int) bool { return t == 10 || t == 11 || t == 12 }

func channelJSON(c *Channel) map[string]any {
	out := map[string]any{
		"id":                    c.ID,
		"type":                  c.Type,
		"name":                  c.Name,
		"position":              0,
		"nsfw":                  false,
		"permission_overwrites": []any{},
		"rate_limit_per_user":   0,
		"flags":                 0,
	}
	if c.GuildID != "" {
		out["guild_id"] = c.GuildID
	}
	if c.ParentID != "" {
		out["parent_id"] = c.ParentID
	}
	if c.OwnerID != "" {
		out["owner_id"] = c.OwnerID
	}
	if c.Type == 1 {
		out["recipients"] = []any{}
	}
	if isThread(c.Type) {
		out["thread_metadata"] = map[string]any{
			"archived": false, "locked": false, "auto_archive_duration": c.AutoArchiveDuration,
			"archive_timestamp": time.Now().UTC().Format(time.RFC3339Nano),
		}
		out["message_count"] = 0
		out["member_count"] = 1
	}
	return out
}

// recordBodyLocked records a message-bearing request.
func (s *Server) recordBodyLocked(r *apiRequest, f map[string]json.RawMessage) {
	am, has := f["allowed_mentions"]
	var content string
	json.Unmarshal(f["content"], &content)
	s.bodies = append(s.bodies, BodyRecord{
		Method: r.method, Path: r.path, HasAllowedMentions: has,
		AllowedMentions: bytes.Clone(am), Content: content, At: r.at,
	})
}

// applyWrite applies the fields of a create or edit body to m.
func applyWrite(m *Message, f map[string]json.RawMessage, edit bool) {
	if v, ok := f["content"]; ok {
		var c *string
		json.Unmarshal(v, &c)
		m.Content = ""
		if c != nil {
			m.Content = *c
		}
	}
	for key, dst := range map[string]*json.RawMessage{"embeds": &m.Embeds, "components": &m.Components} {
		if v, ok := f[key]; ok {
			*dst = nil
			if !isNull(v) && !bytes.Equal(bytes.TrimSpace(v), []byte("[]")) {
				*dst = bytes.Clone(v)
			}
		}
	}
	if v, ok := f["flags"]; ok {
		var n int
		json.Unmarshal(v, &n)
		if edit {
			n = n&^(FlagEphemeral|FlagLoading) | m.Flags&FlagEphemeral
		}
		m.Flags = n
	}
	am, has := f["allowed_mentions"]
	m.HasAllowedMentions = has
	m.AllowedMentions = bytes.Clone(am)
	if edit {
		m.Flags &^= FlagLoading
		m.Edits++
		m.EditedAt = time.Now()
	}
}

func isNull(v json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// validateWrite checks a message create or edit body against Discord's
// limits; it returns nil when the body is acceptable.
func validateWrite(f map[string]json.RawMessage, create, hasFiles bool) *response {
	var content string
	if v, ok := f["content"]; ok && !isNull(v) {
		if json.Unmarshal(v, &content) != nil {
			r := invalidForm("content", "STRING_TYPE_CONVERT", "Could not interpret value as string.")
			return &r
		}
		if utf8.RuneCountInString(content) > 2000 {
			r := invalidForm("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
			return &r
		}
	}
	var embeds []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Fields      []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"fields"`
		Footer *struct {
			Text string `json:"text"`
		} `json:"footer"`
		Author *struct {
			Name string `json:"name"`
		} `json:"author"`
	}
	if v, ok := f["embeds"]; ok && !isNull(v) {
		if json.Unmarshal(v, &embeds) != nil {
			r := invalidForm("embeds", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
			return &r
		}
	}
	if len(embeds) > 10 {
		r := invalidForm("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
		return &r
	}
	total := 0
	for i, e := range embeds {
		at := "embeds." + strconv.Itoa(i) + "."
		if len(e.Fields) > 25 {
			r := invalidForm(at+"fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
			return &r
		}
		checks := []textLimit{{"title", e.Title, 256}, {"description", e.Description, 4096}}
		if e.Footer != nil {
			checks = append(checks, textLimit{"footer.text", e.Footer.Text, 2048})
		}
		if e.Author != nil {
			checks = append(checks, textLimit{"author.name", e.Author.Name, 256})
		}
		for j, fl := range e.Fields {
			fat := "fields." + strconv.Itoa(j) + "."
			if fl.Name == "" || fl.Value == "" {
				r := invalidForm(at+fat+"value", "BASE_TYPE_REQUIRED", "This field is required")
				return &r
			}
			checks = append(checks, textLimit{fat + "name", fl.Name, 256}, textLimit{fat + "value", fl.Value, 1024})
		}
		for _, c := range checks {
			n := utf8.RuneCountInString(c.text)
			total += n
			if n > c.max {
				r := invalidForm(at+c.field, "BASE_TYPE_MAX_LENGTH", "Must be "+strconv.Itoa(c.max)+" or fewer in length.")
				return &r
			}
		}
	}
	if total > 6000 {
		r := invalidForm("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
		return &r
	}
	var rows []struct {
		Components []struct {
			CustomID string `json:"custom_id"`
			Label    string `json:"label"`
		} `json:"components"`
	}
	if v, ok := f["components"]; ok && !isNull(v) {
		if json.Unmarshal(v, &rows) != nil {
			r := invalidForm("components", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
			return &r
		}
	}
	if len(rows) > 5 {
		r := invalidForm("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
		return &r
	}
	for i, row := range rows {
		at := "components." + strconv.Itoa(i) + ".components"
		if len(row.Components) > 5 {
			r := invalidForm(at, "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
			return &r
		}
		for j, c := range row.Components {
			if utf8.RuneCountInString(c.CustomID) > 100 {
				r := invalidForm(at+"."+strconv.Itoa(j)+".custom_id", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
				return &r
			}
			if utf8.RuneCountInString(c.Label) > 80 {
				r := invalidForm(at+"."+strconv.Itoa(j)+".label", "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length.")
				return &r
			}
		}
	}
	if create && content == "" && len(embeds) == 0 && len(rows) == 0 && !hasFiles && !hasAny(f, "sticker_ids", "poll") {
		r := apiError(http.StatusBadRequest, 50006, "Cannot send an empty message")
		return &r
	}
	return nil
}

// textLimit is a text field of an embed and its maximum length in runes.
type textLimit struct {
	field, text string
	max         int
}

// hasAny reports whether f has a non-empty value at one of keys.
func hasAny(f map[string]json.RawMessage, keys ...string) bool {
	for _, k := range keys {
		v, ok := f[k]
		if ok && !isNull(v) && !bytes.Equal(bytes.TrimSpace(v), []byte("[]")) {
			return true
		}
	}
	return false
}
