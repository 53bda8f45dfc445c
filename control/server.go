package control

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/altnet/altnet/txqueue"
)

// Backend is what the API serves: the running daemon. Its methods are
// called from request goroutines, several at once.
type Backend interface {
	Status() Status
	// Txs lists the queue, having looked for transactions other
	// processes added.
	Txs() ([]TxEntry, error)
	// AddTx queues a transaction; it returns an error wrapping ErrInvalid
	// for a transaction or radio it refuses, and txqueue.ErrDuplicate for
	// one already queued.
	AddTx(raw []byte, via string) (TxEntry, error)
}

// Timeouts and bounds of the server.
const (
	maxHeaderBytes    = 8 << 10
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = time.Minute
	shutdownTimeout   = 5 * time.Second
)

// Handler returns the API's HTTP handler.
func Handler(b Backend) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/status" && r.Method == http.MethodGet:
			st := b.Status()
			st.Status.Txs = nil // served as Status.Txs
			reply(w, http.StatusOK, st)
		case r.URL.Path == "/txs" && r.Method == http.MethodGet:
			txs, err := b.Txs()
			if err != nil {
				fail(w, err)
				return
			}
			reply(w, http.StatusOK, txs)
		case r.URL.Path == "/txs" && r.Method == http.MethodPost:
			addTx(w, r, b)
		case r.URL.Path == "/status" || r.URL.Path == "/txs":
			w.Header().Set("Allow", allowed(r.URL.Path))
			reply(w, http.StatusMethodNotAllowed, apiError{"method " + r.Method + " not allowed on " + r.URL.Path})
		default:
			reply(w, http.StatusNotFound, apiError{"no such endpoint " + r.URL.Path + " (GET /status, GET /txs, POST /txs)"})
		}
	})
}

func allowed(path string) string {
	if path == "/txs" {
		return "GET, POST"
	}
	return "GET"
}

func addTx(w http.ResponseWriter, r *http.Request, b Backend) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			reply(w, http.StatusRequestEntityTooLarge, apiError{"request body over " + strconv.Itoa(MaxRequestBody) + " bytes"})
			return
		}
		reply(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	raw, via, err := decodeAddTx(body)
	if err != nil {
		fail(w, err)
		return
	}
	e, err := b.AddTx(raw, via)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusCreated, e)
}

// apiError is the body of every error reply.
type apiError struct {
	Error string `json:"error"`
}

// fail replies with the status an error calls for.
func fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrInvalid):
		code = http.StatusBadRequest
	case errors.Is(err, txqueue.ErrDuplicate):
		code = http.StatusConflict
	}
	reply(w, code, apiError{err.Error()})
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// Serve serves h on l until ctx ends, then shuts down gracefully (at most
// 5 s for requests under way) and returns nil. Request errors go to log at
// debug level.
func Serve(ctx context.Context, l *Listener, h http.Handler, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{Handler: h, MaxHeaderBytes: maxHeaderBytes, ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout: readTimeout, WriteTimeout: writeTimeout, IdleTimeout: idleTimeout,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	})
	err := srv.Serve(l)
	if stop() {
		return err // Serve failed on its own
	}
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
