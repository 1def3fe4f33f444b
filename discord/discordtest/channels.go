package discordtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Routes under /api/v9/channels.

func (s *Server) getChannel(r *apiRequest) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return okJSON(channelJSON(s.channelLocked(r.seg[1])))
}

// getMessages answers GET channels/{c}/messages?limit&before&after, newest
// first.
func (s *Server) getMessages(r *apiRequest) response {
	limit := 50
	if v := r.query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return invalidForm("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
		}
		limit = n
	}
	before, after := r.query.Get("before"), r.query.Get("after")
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, id := range s.history[r.seg[1]] {
		if (before == "" || idLess(id, before)) && (after == "" || idLess(after, id)) {
			ids = append(ids, id)
		}
	}
	if after != "" && before == "" {
		ids = ids[:min(limit, len(ids))] // the ones right after
	} else {
		ids = ids[max(0, len(ids)-limit):]
	}
	out := make([]any, 0, len(ids))
	for _, id := range slices.Backward(ids) {
		out = append(out, s.messageJSONLocked(s.messages[id]))
	}
	return okJSON(out)
}

func (s *Server) getMessage(r *apiRequest) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[r.seg[3]]
	if !ok || m.ChannelID != r.seg[1] {
		return unknownMessage()
	}
	return okJSON(s.messageJSONLocked(m))
}

func (s *Server) postMessage(r *apiRequest) response {
	f, isObj := fields(r.body)
	if !isObj {
		return invalidJSON()
	}
	channelID := r.seg[1]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordBodyLocked(r, f)
	if resp := validateWrite(f, true, r.files); resp != nil {
		return *resp
	}
	nonce, enforced, bad := enforcedNonce(f)
	if bad != nil {
		return *bad
	}
	if id, ok := s.nonces[channelID+"/"+nonce]; ok && enforced {
		if m, ok := s.messages[id]; ok {
			return okJSON(s.messageJSONLocked(m)) // Discord returns the message sent with that nonce
		}
	}
	ch := s.channelLocked(channelID)
	m := &Message{
		ID:         s.newIDLocked(),
		ChannelID:  channelID,
		GuildID:    ch.GuildID,
		Author:     s.cfg.botUserID,
		AuthorName: s.cfg.botName,
		AuthorBot:  true,
		CreatedAt:  time.Now(),
	}
	if v, ok := f["message_reference"]; ok && !isNull(v) {
		var ref struct {
			MessageID       string `json:"message_id"`
			ChannelID       string `json:"channel_id"`
			GuildID         string `json:"guild_id"`
			FailIfNotExists *bool  `json:"fail_if_not_exists"`
		}
		if json.Unmarshal(v, &ref) != nil || ref.MessageID == "" {
			return invalidForm("message_reference", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
		}
		switch {
		case !s.deleted[ref.MessageID]:
			if ref.ChannelID == "" {
				ref.ChannelID = channelID
			}
			m.Reference = &Reference{MessageID: ref.MessageID, ChannelID: ref.ChannelID, GuildID: ref.GuildID}
			m.Type = 19
		case ref.FailIfNotExists == nil || *ref.FailIfNotExists:
			return invalidForm("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
		}
	}
	applyWrite(m, f, false)
	s.storeLocked(m, true)
	if enforced {
		s.nonces[channelID+"/"+nonce] = m.ID
	}
	s.notifyLocked()
	return okJSON(s.messageJSONLocked(m))
}

// enforcedNonce reads a message create's nonce (a string or an integer, at
// most 25 characters) and whether enforce_nonce is set: then a second
// message with the same nonce in the channel is not created, and the
// first is returned instead, as Discord does for a few minutes.
func enforcedNonce(f map[string]json.RawMessage) (nonce string, enforced bool, bad *response) {
	v, ok := f["nonce"]
	if !ok || isNull(v) {
		return "", false, nil
	}
	if json.Unmarshal(v, &nonce) != nil {
		var n int64
		if json.Unmarshal(v, &n) != nil {
			r := invalidForm("nonce", "BASE_TYPE_BAD_TYPE", "Must be a string or an integer.")
			return "", false, &r
		}
		nonce = strconv.FormatInt(n, 10)
	}
	if len(nonce) > 25 {
		r := invalidForm("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		return "", false, &r
	}
	json.Unmarshal(f["enforce_nonce"], &enforced)
	return nonce, enforced && nonce != "", nil
}

func (s *Server) patchMessage(r *apiRequest) response {
	f, isObj := fields(r.body)
	if !isObj {
		return invalidJSON()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordBodyLocked(r, f)
	m, ok := s.messages[r.seg[3]]
	if !ok || m.ChannelID != r.seg[1] {
		return unknownMessage()
	}
	if m.Author != s.cfg.botUserID {
		return apiError(http.StatusForbidden, 50005, "Cannot edit a message authored by another user")
	}
	if resp := validateWrite(f, false, r.files); resp != nil {
		return *resp
	}
	applyWrite(m, f, true)
	s.notifyLocked()
	return okJSON(s.messageJSONLocked(m))
}

func (s *Server) deleteMessage(r *apiRequest) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[r.seg[3]]
	if !ok || m.ChannelID != r.seg[1] {
		return unknownMessage()
	}
	s.removeLocked(m)
	s.notifyLocked()
	return response{status: http.StatusNoContent}
}

// postThread answers POST channels/{c}/messages/{m}/threads and
// channels/{c}/threads.
func (s *Server) postThread(r *apiRequest) response {
	var body struct {
		Name                string `json:"name"`
		AutoArchiveDuration int    `json:"auto_archive_duration"`
		Type                int    `json:"type"`
	}
	if json.Unmarshal(r.body, &body) != nil {
		return invalidJSON()
	}
	parentID := r.seg[1]
	var starter string
	if len(r.seg) == 5 {
		starter = r.seg[3]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.refusals[parentID] {
	case ThreadsMissingPermissions:
		return apiError(http.StatusForbidden, 50013, "Missing Permissions")
	case ThreadsAlreadyCreated:
		return apiError(http.StatusBadRequest, 160004, "A thread has already been created for this message")
	case ThreadsWrongChannelType:
		return apiError(http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
	}
	parent := s.channelLocked(parentID)
	if parent.Type != 0 && parent.Type != 5 {
		return apiError(http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
	}
	if n := utf8.RuneCountInString(body.Name); n < 1 || n > 100 {
		return invalidForm("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	}
	switch body.AutoArchiveDuration {
	case 0:
		body.AutoArchiveDuration = 1440 // the channel default
	case 60, 1440, 4320, 10080:
	default:
		return invalidForm("auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
	}
	th := &Channel{
		GuildID:             parent.GuildID,
		Name:                body.Name,
		Type:                11,
		ParentID:            parentID,
		OwnerID:             s.cfg.botUserID,
		AutoArchiveDuration: body.AutoArchiveDuration,
	}
	if starter != "" {
		if m, known := s.messages[starter]; s.deleted[starter] || (known && m.ChannelID != parentID) {
			return unknownMessage()
		}
		if _, dup := s.threadOf[starter]; dup {
			return apiError(http.StatusBadRequest, 160004, "A thread has already been created for this message")
		}
		th.ID, th.StarterMessageID = starter, starter
		s.threadOf[starter] = starter
		// Discord opens such a thread with a THREAD_STARTER_MESSAGE (type
		// 21): empty content, referencing the starter.
		first := s.stubMessageLocked(s.newIDLocked(), th.ID, th.GuildID)
		first.Type = 21
		first.Reference = &Reference{MessageID: starter, ChannelID: parentID, GuildID: th.GuildID}
		if m, known := s.messages[starter]; known {
			first.Author, first.AuthorName, first.AuthorBot = m.Author, m.AuthorName, m.AuthorBot
		}
		s.storeLocked(first, true)
	} else {
		if isThread(body.Type) {
			th.Type = body.Type
		}
		th.ID = s.newIDLocked()
	}
	s.channels[th.ID] = th
	s.notifyLocked()
	return response{status: http.StatusCreated, body: channelJSON(th)}
}

func unknownMessage() response { return apiError(http.StatusNotFound, 10008, "Unknown Message") }

func invalidJSON() response {
	return apiError(http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
}
