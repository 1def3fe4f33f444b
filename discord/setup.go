package discord

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// Permissions is what the bot needs in the channels where it answers:
// View Channels, Send Messages, Send Messages in Threads, Create Public
// Threads and Read Message History (to read a thread's turns back after
// a restart). Slash commands need no permission, only the
// applications.commands scope. It is 309237713920.
const Permissions int64 = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads |
	discordgo.PermissionCreatePublicThreads |
	discordgo.PermissionReadMessageHistory

// InviteURL returns the link that adds the bot with application ID appID
// to a server, with its slash commands and Permissions.
func InviteURL(appID string) string {
	q := url.Values{
		"client_id":   {appID},
		"permissions": {strconv.FormatInt(Permissions, 10)},
		"scope":       {"bot applications.commands"},
	}
	return "https://discord.com/oauth2/authorize?" + q.Encode()
}

// ClearCommands removes the slash commands of the bot whose token is
// given: its global commands, and those of guildID when it is not "". It
// returns how many it removed. Use it when commands show twice (after
// switching from a guild's commands to global ones); the bot registers
// its commands again when it starts. apiURL is Config.APIURL.
func ClearCommands(ctx context.Context, token, apiURL, guildID string) (removed int, err error) {
	s, err := newSession(token, apiURL, defaultRESTTimeout)
	if err != nil {
		return 0, err
	}
	var app discordgo.Application
	u := discordgo.EndpointOAuth2Application("@me")
	body, err := s.RequestWithBucketID("GET", u, nil, u, discordgo.WithContext(ctx))
	if err == nil {
		err = discordgo.Unmarshal(body, &app)
	}
	if err != nil {
		return 0, fmt.Errorf("look up the application: %w", err)
	}
	scopes := []string{""}
	if guildID != "" {
		scopes = append(scopes, guildID)
	}
	for _, g := range scopes {
		where := "global"
		if g != "" {
			where = "guild " + g
		}
		cmds, err := s.ApplicationCommands(app.ID, g, discordgo.WithContext(ctx))
		if err != nil {
			return removed, fmt.Errorf("list %s commands: %w", where, err)
		}
		if len(cmds) == 0 {
			continue
		}
		if _, err := s.ApplicationCommandBulkOverwrite(app.ID, g, []*discordgo.ApplicationCommand{}, discordgo.WithContext(ctx)); err != nil {
			return removed, fmt.Errorf("clear %s commands: %w", where, err)
		}
		removed += len(cmds)
	}
	return removed, nil
}
