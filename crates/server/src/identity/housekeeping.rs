//! The identity capability's background task: expired sessions and old failed-login records
//! go, and throttling windows that have ended are closed with their count.

use crate::web::state::AppState;

/// Removes expired sessions and old failed-login records every ten minutes.
pub async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        if state.store.is_closed() {
            break;
        }
        let now = state.now_ms();
        let keep_failures_ms = i64::from(state.config.login_throttle.window_seconds) * 1000 * 2;
        let result = async {
            let mut tx = state.store.begin().await?;
            let n = tx.prune(now, now - keep_failures_ms).await?;
            tx.commit().await?;
            Ok::<_, hamnvakt_store::StoreError>(n)
        }
        .await;
        match result {
            Ok(n) if n > 0 => tracing::info!(
                removed = n,
                "pruned expired sessions and old login failures"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
        if let Err(e) = super::login::close_throttle_windows(&state).await {
            tracing::warn!(error = %e, "closing ended sign-in throttling windows failed");
        }
    }
}
