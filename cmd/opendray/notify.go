package main

import (
	"context"
	"log/slog"

	"github.com/opendray/opendray/actors/notify"
	"github.com/opendray/opendray/actors/notify/telegram"
	"github.com/opendray/opendray/actors/session"
	"github.com/opendray/opendray/internal/config"
)

// newChannels builds the notification channels the configuration turns on.
func newChannels(cfg config.Config, logger *slog.Logger) ([]notify.Channel, error) {
	if !cfg.Telegram.Enabled {
		return nil, nil
	}
	tg := telegram.Defaults()
	tg.BotToken = telegram.Token(cfg.Telegram.BotToken)
	tg.ChatID = cfg.Telegram.ChatID
	tg.Events = cfg.Telegram.Events
	tg.PublicURL = cfg.Telegram.PublicURL
	tg.APIBase = cfg.Telegram.APIBase
	tg.NotifyWhileViewed = cfg.Telegram.NotifyWhileViewed
	channel, err := telegram.New(tg, logger)
	if err != nil {
		return nil, err
	}
	return []notify.Channel{channel}, nil
}

// notifySessions adapts the session client to the hub's view of sessions.
type notifySessions struct {
	client *session.Client
}

func (s notifySessions) List(ctx context.Context) ([]notify.SessionSummary, error) {
	infos, err := s.client.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]notify.SessionSummary, len(infos))
	for i, info := range infos {
		out[i] = notify.SessionSummary{ID: info.ID, Name: info.Name, Provider: info.Provider, State: string(info.State)}
	}
	return out, nil
}

func (s notifySessions) Snapshot(ctx context.Context, id string) ([]string, error) {
	snapshot, err := s.client.Snapshot(ctx, id)
	if err != nil {
		return nil, err
	}
	return snapshot.Lines, nil
}

func (s notifySessions) Input(ctx context.Context, id string, data []byte) error {
	return s.client.Input(ctx, id, data)
}
