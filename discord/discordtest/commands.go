package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Command is a registered application command, decoded from the JSON the
// bot sent plus the fields the server adds (id, application_id, guild_id,
// version).
type Command struct {
	ID, Name, Description string
	Type                  int // 1 chat input, 2 user, 3 message
	// DefaultMemberPermissions is the permission bit set sent (as a string
	// or a number); nil when absent or null.
	DefaultMemberPermissions *int64
	Contexts                 []int // nil when absent
	NSFW                     bool
	Options                  []CommandOption
	Raw                      json.RawMessage // the command as stored and echoed
}

// CommandOption is an option of a Command.
type CommandOption struct {
	Name, Description string
	Type              int
	Required          bool
	Autocomplete      bool
	MinLength         *int
	MaxLength         *int
	Choices           []CommandChoice
	Options           []CommandOption
}

// CommandChoice is a fixed choice of a CommandOption.
type CommandChoice struct {
	Name  string
	Value any
}

// wireOption is the JSON of a command option.
type wireOption struct {
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	Type         int          `json:"type"`
	Required     bool         `json:"required"`
	Autocomplete bool         `json:"autocomplete"`
	MinLength    *int         `json:"min_length"`
	MaxLength    *int         `json:"max_length"`
	Choices      []wireChoice `json:"choices"`
	Options      []wireOption `json:"options"`
}

type wireChoice struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// Commands returns the commands registered for guildID, or the global ones
// when guildID is empty, in the order of the last bulk overwrite.
func (s *Server) Commands(guildID string) []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Command
	for _, c := range s.commands[guildID] {
		raw, _ := json.Marshal(c)
		var w struct {
			ID          string          `json:"id"`
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Type        int             `json:"type"`
			Perms       json.RawMessage `json:"default_member_permissions"`
			Contexts    []int           `json:"contexts"`
			NSFW        bool            `json:"nsfw"`
			Options     []wireOption    `json:"options"`
		}
		json.Unmarshal(raw, &w)
		cmd := Command{ID: w.ID, Name: w.Name, Description: w.Description, Type: w.Type, Contexts: w.Contexts, NSFW: w.NSFW, Options: convertOptions(w.Options), Raw: raw}
		if p := strings.Trim(string(w.Perms), `"`); p != "" && p != "null" {
			if n, err := strconv.ParseInt(p, 10, 64); err == nil {
				cmd.DefaultMemberPermissions = &n
			}
		}
		out = append(out, cmd)
	}
	return out
}

func convertOptions(ws []wireOption) []CommandOption {
	if ws == nil {
		return nil
	}
	out := make([]CommandOption, len(ws))
	for i, w := range ws {
		o := CommandOption{Name: w.Name, Description: w.Description, Type: w.Type, Required: w.Required, Autocomplete: w.Autocomplete, MinLength: w.MinLength, MaxLength: w.MaxLength, Options: convertOptions(w.Options)}
		for _, c := range w.Choices {
			o.Choices = append(o.Choices, CommandChoice(c))
		}
		out[i] = o
	}
	return out
}

// getApplication answers GET oauth2/applications/@me and applications/@me:
// the bot's application, whose ID is what command routes take.
func (s *Server) getApplication(*apiRequest) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return okJSON(map[string]any{
		"id": s.cfg.appID, "name": s.cfg.botName, "description": "", "bot_public": true,
		"bot_require_code_grant": false, "bot": s.userJSONLocked(s.cfg.botUserID, true),
	})
}

// commandScope returns the guild ID of an applications/{app}[/guilds/{g}]/commands
// route ("" for global).
func commandScope(seg []string) string {
	if len(seg) == 5 {
		return seg[3]
	}
	return ""
}

func (s *Server) getCommands(r *apiRequest) response {
	if r.seg[1] != s.cfg.appID {
		return apiError(http.StatusForbidden, 50001, "Missing Access")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.commands[commandScope(r.seg)]
	if out == nil {
		out = []map[string]any{}
	}
	return okJSON(out)
}

// putCommands answers a bulk overwrite: it validates the commands, keeps
// the IDs of those that already existed (by type and name), and replaces
// the scope's set.
func (s *Server) putCommands(r *apiRequest) response {
	if r.seg[1] != s.cfg.appID {
		return apiError(http.StatusForbidden, 50001, "Missing Access")
	}
	var cmds []map[string]any
	if err := json.Unmarshal(r.body, &cmds); err != nil {
		return invalidJSON()
	}
	if len(cmds) > 100 {
		return invalidForm("_errors", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
	}
	var ws []struct {
		Name        string       `json:"name"`
		Description string       `json:"description"`
		Type        int          `json:"type"`
		Options     []wireOption `json:"options"`
	}
	if err := json.Unmarshal(r.body, &ws); err != nil {
		return invalidForm("_errors", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
	}
	seen := map[string]bool{}
	for i, w := range ws {
		if w.Type == 0 {
			w.Type = 1
		}
		at := strconv.Itoa(i) + "."
		if msg := checkName(w.Name, w.Type == 1); msg != "" {
			return invalidForm(at+"name", "APPLICATION_COMMAND_INVALID_NAME", msg)
		}
		if w.Type == 1 {
			if n := utf8.RuneCountInString(w.Description); n < 1 || n > 100 {
				return invalidForm(at+"description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
			}
		}
		key := strconv.Itoa(w.Type) + "/" + w.Name
		if seen[key] {
			return invalidForm(at+"name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
		if field, msg := checkOptions(w.Options); msg != "" {
			return invalidForm(at+field, "APPLICATION_COMMAND_OPTION_INVALID", msg)
		}
	}

	scope := commandScope(r.seg)
	s.mu.Lock()
	defer s.mu.Unlock()
	old := map[string]string{}
	for _, c := range s.commands[scope] {
		old[fmt.Sprint(c["type"])+"/"+fmt.Sprint(c["name"])] = fmt.Sprint(c["id"])
	}
	for _, c := range cmds {
		if c["type"] == nil {
			c["type"] = 1
		}
		key := fmt.Sprint(c["type"]) + "/" + fmt.Sprint(c["name"])
		if id, ok := old[key]; ok {
			c["id"] = id
		} else {
			c["id"] = s.newIDLocked()
		}
		c["application_id"] = s.cfg.appID
		c["version"] = s.newIDLocked()
		if scope != "" {
			c["guild_id"] = scope
		}
		if _, ok := c["default_member_permissions"]; !ok {
			c["default_member_permissions"] = nil
		}
	}
	s.commands[scope] = cmds
	s.notifyLocked()
	return okJSON(cmds)
}

// commandIDLocked returns the ID of the chat input command name registered
// for guildID or globally, or a new ID.
func (s *Server) commandIDLocked(guildID, name string) string {
	for _, scope := range []string{guildID, ""} {
		for _, c := range s.commands[scope] {
			if c["name"] == name && fmt.Sprint(c["type"]) == "1" {
				return fmt.Sprint(c["id"])
			}
		}
	}
	return s.newIDLocked()
}

// checkName returns why name is not a valid command or option name, or "".
// Chat input commands and options need lower case.
func checkName(name string, lower bool) string {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > 32 {
		return "Must be between 1 and 32 in length."
	}
	if !lower {
		return ""
	}
	for _, r := range name {
		if !(r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)) || unicode.ToLower(r) != r {
			return "Command name is invalid"
		}
	}
	return ""
}

// checkOptions returns the field and the reason options are invalid, or
// "", "".
func checkOptions(opts []wireOption) (field, msg string) {
	if len(opts) > 25 {
		return "options", "Must be 25 or fewer in length."
	}
	optional := false
	for i, o := range opts {
		at := "options." + strconv.Itoa(i) + "."
		if m := checkName(o.Name, true); m != "" {
			return at + "name", m
		}
		if n := utf8.RuneCountInString(o.Description); n < 1 || n > 100 {
			return at + "description", "Must be between 1 and 100 in length."
		}
		if o.Type < 1 || o.Type > 11 {
			return at + "type", "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}."
		}
		if o.Required && optional {
			return at + "required", "Required options must be placed before non-required options"
		}
		optional = optional || !o.Required
		if o.MinLength != nil && (*o.MinLength < 0 || *o.MinLength > 6000) {
			return at + "min_length", "int value should be between 0 and 6000."
		}
		if o.MaxLength != nil && (*o.MaxLength < 1 || *o.MaxLength > 6000 || o.MinLength != nil && *o.MaxLength < *o.MinLength) {
			return at + "max_length", "int value should be between 1 and 6000, and not below min_length."
		}
		if len(o.Choices) > 25 {
			return at + "choices", "Must be 25 or fewer in length."
		}
		if len(o.Choices) > 0 && o.Autocomplete {
			return at + "autocomplete", "Autocomplete cannot be set with choices"
		}
		if f, m := checkOptions(o.Options); m != "" {
			return at + f, m
		}
	}
	return "", ""
}
