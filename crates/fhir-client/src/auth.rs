//! Credentials: a fixed bearer token, a token provider that can refresh, or basic auth.
//!
//! Secrets live in [`Secret`], whose `Debug` prints nothing of them; the request module attaches
//! them only to requests for the base URL's origin.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use crate::error::{BoxError, RawError};

/// A boxed, sendable future, as [`TokenProvider::token`] returns.
///
/// ```
/// let f: fhir_client::BoxFuture<'static, u32> = Box::pin(async { 1 });
/// ```
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of bearer tokens, asked for one before the first request and again, once, when the
/// server answers 401; concurrent requests that meet the 401 share a single refresh.
///
/// Implement it for an OAuth client, or build one from a closure with [`token_fn`].
///
/// ```
/// use fhir_client::{BoxError, BoxFuture, TokenProvider};
///
/// struct FromEnv;
/// impl TokenProvider for FromEnv {
///     fn token(&self) -> BoxFuture<'_, Result<String, BoxError>> {
///         Box::pin(async { std::env::var("FHIR_TOKEN").map_err(|e| e.into()) })
///     }
/// }
/// let client = fhir_client::Client::builder("https://example.org/fhir")
///     .token_provider(FromEnv)
///     .build()
///     .unwrap();
/// ```
pub trait TokenProvider: Send + Sync + 'static {
    /// A fresh token (without the `Bearer ` prefix).
    fn token(&self) -> BoxFuture<'_, Result<String, BoxError>>;

    /// A token and the instant until which the client may use it without asking again.
    ///
    /// `renew` is true after the server answered 401 to the last token: a provider that caches
    /// (as the SMART providers do) must then fetch a new one instead of answering from its cache.
    /// The default calls [`token`](Self::token) and sets no expiry, so the client keeps the token
    /// until a 401.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use fhir_client::{BoxError, BoxFuture, TokenProvider};
    ///
    /// struct ShortLived;
    /// impl TokenProvider for ShortLived {
    ///     fn token(&self) -> BoxFuture<'_, Result<String, BoxError>> {
    ///         Box::pin(async { Ok("abc".to_string()) })
    ///     }
    ///     fn token_until(&self, _renew: bool) -> BoxFuture<'_, Result<(String, Option<Instant>), BoxError>> {
    ///         Box::pin(async { Ok(("abc".to_string(), Some(Instant::now() + Duration::from_secs(60)))) })
    ///     }
    /// }
    /// ```
    fn token_until(
        &self,
        renew: bool,
    ) -> BoxFuture<'_, Result<(String, Option<Instant>), BoxError>> {
        let _ = renew;
        Box::pin(async move { self.token().await.map(|t| (t, None)) })
    }
}

/// A [`TokenProvider`] from a closure that returns a future of a token.
///
/// ```
/// use fhir_client::{token_fn, BoxError};
///
/// let provider = token_fn(|| async { Ok::<_, BoxError>("abc".to_string()) });
/// let client = fhir_client::Client::builder("https://example.org/fhir")
///     .token_provider(provider)
///     .build()
///     .unwrap();
/// ```
pub fn token_fn<F, Fut>(f: F) -> impl TokenProvider
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
{
    FnProvider(f)
}

struct FnProvider<F>(F);

impl<F, Fut> TokenProvider for FnProvider<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
{
    fn token(&self) -> BoxFuture<'_, Result<String, BoxError>> {
        Box::pin((self.0)())
    }
}

/// A secret string that never shows in `Debug` or `Display`.
#[derive(Clone)]
pub(crate) struct Secret(Arc<str>);

impl Secret {
    pub(crate) fn new(s: impl Into<String>) -> Secret {
        Secret(Arc::from(s.into()))
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The configured way of authenticating.
pub(crate) enum Auth {
    None,
    Bearer(Secret),
    Provider(ProviderAuth),
    Basic { user: String, password: Secret },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Bearer(s) => f.debug_tuple("Bearer").field(s).finish(),
            Auth::Provider(_) => f.write_str("TokenProvider([redacted])"),
            Auth::Basic { user, password } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", password)
                .finish(),
        }
    }
}

/// What one request carries.
pub(crate) enum Credential {
    Bearer {
        token: Secret,
        /// The provider's generation of the token, for a refresh after a 401.
        generation: Option<u64>,
    },
    Basic {
        user: String,
        password: Secret,
    },
}

impl Auth {
    /// The credential for the next request, fetching a first token from a provider if needed.
    pub(crate) async fn credential(&self) -> Result<Option<Credential>, RawError> {
        Ok(match self {
            Auth::None => None,
            Auth::Bearer(token) => Some(Credential::Bearer {
                token: token.clone(),
                generation: None,
            }),
            Auth::Provider(p) => {
                let (token, generation) = p.current().await?;
                Some(Credential::Bearer {
                    token,
                    generation: Some(generation),
                })
            }
            Auth::Basic { user, password } => Some(Credential::Basic {
                user: user.clone(),
                password: password.clone(),
            }),
        })
    }

    /// After a 401 answered to a token of generation `seen`: a refreshed credential, or `None`
    /// when this kind of auth cannot refresh.
    pub(crate) async fn refreshed(
        &self,
        seen: Option<u64>,
    ) -> Result<Option<Credential>, RawError> {
        match (self, seen) {
            (Auth::Provider(p), Some(seen)) => {
                let (token, generation) = p.refresh(seen).await?;
                Ok(Some(Credential::Bearer {
                    token,
                    generation: Some(generation),
                }))
            }
            _ => Ok(None),
        }
    }
}

pub(crate) struct ProviderAuth {
    provider: Arc<dyn TokenProvider>,
    /// The current token and its generation; the lock is held while the provider runs, so that
    /// concurrent requests wait for one fetch instead of each starting their own.
    state: tokio::sync::Mutex<TokenState>,
}

#[derive(Default)]
struct TokenState {
    token: Option<Secret>,
    generation: u64,
    /// Until when the provider said the token may be used; `None`: until a 401.
    until: Option<Instant>,
}

impl ProviderAuth {
    pub(crate) fn new(provider: Arc<dyn TokenProvider>) -> ProviderAuth {
        ProviderAuth {
            provider,
            state: tokio::sync::Mutex::new(TokenState::default()),
        }
    }

    async fn current(&self) -> Result<(Secret, u64), RawError> {
        let mut state = self.state.lock().await;
        let fresh = state.until.is_none_or(|until| Instant::now() < until);
        if let (Some(token), true) = (&state.token, fresh) {
            return Ok((token.clone(), state.generation));
        }
        self.fetch(&mut state, false).await
    }

    async fn refresh(&self, seen: u64) -> Result<(Secret, u64), RawError> {
        let mut state = self.state.lock().await;
        if state.generation != seen {
            if let Some(token) = &state.token {
                // Another request refreshed while this one waited: use its token.
                return Ok((token.clone(), state.generation));
            }
        }
        self.fetch(&mut state, true).await
    }

    async fn fetch(&self, state: &mut TokenState, renew: bool) -> Result<(Secret, u64), RawError> {
        let (token, until) = self
            .provider
            .token_until(renew)
            .await
            .map_err(RawError::auth)?;
        let token = Secret::new(token);
        state.token = Some(token.clone());
        state.generation += 1;
        state.until = until;
        tracing::debug!(generation = state.generation, "fetched a bearer token");
        Ok((token, state.generation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn secrets_do_not_show() {
        let auth = Auth::Basic {
            user: "u".into(),
            password: Secret::new("hunter2"),
        };
        assert!(!format!("{auth:?}").contains("hunter2"));
        let auth = Auth::Bearer(Secret::new("tok-123"));
        assert_eq!(format!("{auth:?}"), "Bearer([redacted])");
    }

    #[tokio::test]
    async fn refresh_is_shared() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let p = ProviderAuth::new(Arc::new(token_fn(move || {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            async move { Ok(format!("t{n}")) }
        })));
        let (t, g) = p.current().await.unwrap();
        assert_eq!((t.expose(), g), ("t1", 1));
        let (t, g) = p.refresh(1).await.unwrap();
        assert_eq!((t.expose(), g), ("t2", 2));
        // A second request that saw generation 1 gets the refreshed token without a new fetch.
        let (t, g) = p.refresh(1).await.unwrap();
        assert_eq!((t.expose(), g), ("t2", 2));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    struct Expiring(AtomicU32);

    impl TokenProvider for Expiring {
        fn token(&self) -> BoxFuture<'_, Result<String, BoxError>> {
            unreachable!("the client asks for token_until")
        }
        fn token_until(
            &self,
            renew: bool,
        ) -> BoxFuture<'_, Result<(String, Option<Instant>), BoxError>> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            Box::pin(async move {
                // Each token is already past its use-by time, but the one fetched after a 401.
                let until = if renew { None } else { Some(Instant::now()) };
                Ok((format!("t{n}"), until))
            })
        }
    }

    #[tokio::test]
    async fn an_expired_token_is_fetched_again_and_a_401_asks_for_a_new_one() {
        let p = ProviderAuth::new(Arc::new(Expiring(AtomicU32::new(0))));
        let (t, _) = p.current().await.unwrap();
        assert_eq!(t.expose(), "t1");
        let (t, g) = p.current().await.unwrap();
        assert_eq!(t.expose(), "t2", "the first token's use-by time passed");
        let (t, _) = p.refresh(g).await.unwrap();
        assert_eq!(t.expose(), "t3");
        let (t, _) = p.current().await.unwrap();
        assert_eq!(t.expose(), "t3", "a token without a use-by time is kept");
    }
}
