using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// Draining and the one timer: deadlines are fields checked when it fires (head or idle and a closing connection's last
// bytes here; the backend's send and response and the client taking bytes in the driver), so no scheduler call is made
// per request.
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        private void OnWake(object signal)
        {
            if (ReferenceEquals(signal, DrainRequested)) OnDrain();
            else if (StageTimer.IsTicket(signal))
            {
                // A superseded timer's firing (cancelled or re-armed after it was queued) is neither's.
                if (_timeoutTimer.IsCurrent(signal)) OnTimeoutTimer();
                else if (_retryTimer?.IsCurrent(signal) == true) _driver.OnRetryTimer();
            }
            else _driver.OnWake(signal);
        }

        /// <summary>From the listener, on any thread.</summary>
        private void RequestDrain() => _wake(DrainRequested);

        private void OnDrain()
        {
            _draining = true;
            if (_phase == Phase.AwaitHead && _context.HeadStartedAt == 0) FinishConnection();
            else _closeAfterResponse = true;
        }

        private void SetDeadline(DeadlineKind kind, long inMs)
        {
            _deadlineKind = kind;
            _deadline = Environment.TickCount64 + inMs;
            ArmTimeout(inMs);
        }

        /// <summary>Schedules the one timer for <paramref name="inMs"/> from now, unless it already fires sooner (several
        /// deadlines share it; when it fires, every pending deadline is checked and the timer re-armed for the next).</summary>
        private void ArmTimeout(long inMs)
        {
            var at = Environment.TickCount64 + inMs;
            if (at >= _timerFiresAt) return;
            _timerFiresAt = at;
            _timeoutTimer.Schedule(Materializer, TimeSpan.FromMilliseconds(Math.Max(1, inMs)));
        }

        private void OnTimeoutTimer()
        {
            _timerFiresAt = long.MaxValue;
            var now = Environment.TickCount64;
            if (_phase == Phase.Exchange)
            {
                // The driver's deadlines: the backend's send, its response, the client taking what was read.
                _driver.OnTimer(now);
                return;
            }
            switch (_deadlineKind)
            {
                case DeadlineKind.HeadOrIdle when _phase == Phase.AwaitHead:
                {
                    var headStarted = _context.HeadStartedAt;
                    var headDeadline = headStarted != 0
                        ? headStarted + HeadTimeoutMs
                        : _firstRequest ? _waitingSince + HeadTimeoutMs : long.MaxValue;
                    var idleDeadline = headStarted != 0 || _firstRequest ? long.MaxValue : _waitingSince + IdleTimeoutMs;
                    if (now >= headDeadline)
                    {
                        // Slowloris guard: the head did not arrive in time.
                        StartExchange(null);
                        RespondLocal(ProxyError.RequestHeadTimeout, close: true);
                        return;
                    }
                    if (now >= idleDeadline)
                    {
                        FinishConnection();
                        return;
                    }
                    ArmTimeout(Math.Min(headDeadline == long.MaxValue ? HeadTimeoutMs : headDeadline - now,
                        idleDeadline == long.MaxValue ? HeadTimeoutMs : idleDeadline - now));
                    return;
                }
                case DeadlineKind.Closing:
                    // The exchange ended (and was logged) while its last bytes wait for the client to take them.
                    if (now < _deadline)
                    {
                        ArmTimeout(_deadline - now);
                        return;
                    }
                    FailStage(new IOException("client did not read the response in time"));
                    return;
                default:
                    // No deadline pending: the next state change re-arms the timer.
                    return;
            }
        }
    }
}
