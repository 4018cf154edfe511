//! Property collection: every retrieval goes through `RetrievePropertiesEx` and follows the
//! result's token with `ContinueRetrievePropertiesEx`, so no object is lost on servers that page
//! (vCenter pages at about 100 objects). Results come as raw `ObjectContent`s, as typed
//! managed-object property structs, or as a stream of pages for very large inventories.

use std::collections::VecDeque;

use esx_vi_types::methods;
use esx_vi_types::runtime::DecodeError;
use esx_vi_types::{
    AnySelectionSpec, ManagedObjectReference, ObjectContent, ObjectSpec, PropertyFilterSpec,
    PropertySpec, RetrieveOptions, RetrieveResult, TraversalSpec,
};
use futures_util::Stream;

use crate::client::Client;
use crate::error::{method_error, Error};

/// A property filter for one object: `properties` of `obj` (whose type is `type_name`).
pub fn object_filter(obj: &ManagedObjectReference, properties: &[&str]) -> PropertyFilterSpec {
    PropertyFilterSpec {
        prop_set: vec![property_spec(&obj.r#type, properties)],
        object_set: vec![ObjectSpec {
            obj: obj.clone(),
            skip: Some(false),
            select_set: Vec::new(),
        }],
        report_missing_objects_in_results: None,
    }
}

/// A property filter for every object of `type_name` in a ContainerView: `properties` of each,
/// found by one traversal of the view (the view object itself is skipped).
pub fn container_view_filter(
    view: &ManagedObjectReference,
    type_name: &str,
    properties: &[&str],
) -> PropertyFilterSpec {
    let traversal = TraversalSpec {
        name: Some("traverseView".to_owned()),
        r#type: "ContainerView".to_owned(),
        path: "view".to_owned(),
        skip: Some(false),
        select_set: Vec::new(),
    };
    PropertyFilterSpec {
        prop_set: vec![property_spec(type_name, properties)],
        object_set: vec![ObjectSpec {
            obj: view.clone(),
            skip: Some(true),
            select_set: vec![AnySelectionSpec::from(traversal)],
        }],
        report_missing_objects_in_results: None,
    }
}

fn property_spec(type_name: &str, properties: &[&str]) -> PropertySpec {
    PropertySpec {
        r#type: type_name.to_owned(),
        all: Some(properties.is_empty()),
        path_set: properties.iter().map(|p| (*p).to_owned()).collect(),
    }
}

/// Why one pass of a paged retrieval failed.
pub(crate) enum PassError {
    /// The session was restored during the pass, which then failed: it may be started over.
    SessionLost(Error),
    /// Any other failure.
    Failed(Error),
}

impl PassError {
    pub(crate) fn into_error(self) -> Error {
        match self {
            PassError::SessionLost(error) | PassError::Failed(error) => error,
        }
    }
}

/// Where a paged retrieval stands.
enum PageState {
    First(Vec<PropertyFilterSpec>),
    Continue(PendingToken),
    Done,
}

/// A token of a result set the server still holds. Dropped unread (a stream dropped early), it
/// tells the server to free the rest with `CancelRetrievePropertiesEx`, in the background.
struct PendingToken {
    client: Client,
    token: Option<String>,
}

impl Drop for PendingToken {
    fn drop(&mut self) {
        let Some(token) = self.token.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // no runtime left: the result set expires with the session
        };
        let client = self.client.clone();
        runtime.spawn(async move {
            if let Err(e) =
                methods::cancel_retrieve_properties_ex(&client, client.service_content(), &token)
                    .await
            {
                tracing::debug!(
                    "CancelRetrievePropertiesEx failed: {}",
                    Error::from_method("CancelRetrievePropertiesEx", e)
                );
            }
        });
    }
}

impl Client {
    /// Retrieves all objects matching `specs`, following every page.
    ///
    /// A server keeps the rest of a paged result for the session that asked. When the session
    /// expires between two pages, the client logs in again but the token is gone with the old
    /// session: the retrieval then starts over from the first page, once, so that the result is
    /// one consistent snapshot rather than two halves.
    pub async fn retrieve(
        &self,
        specs: &[PropertyFilterSpec],
    ) -> Result<Vec<ObjectContent>, Error> {
        match self.retrieve_pass(specs).await {
            Err(PassError::SessionLost(error)) => {
                tracing::info!(
                    "the session was restored while paging and the result set went with the \
                     old one ({error}); retrieving again from the first page"
                );
                self.retrieve_pass(specs)
                    .await
                    .map_err(PassError::into_error)
            }
            other => other.map_err(PassError::into_error),
        }
    }

    /// One pass over every page of `specs`. A SOAP fault after the session was restored during
    /// the pass is `SessionLost`: what the pass relied on (a token, a view) may have gone with
    /// the old session, and the caller may start over.
    pub(crate) async fn retrieve_pass(
        &self,
        specs: &[PropertyFilterSpec],
    ) -> Result<Vec<ObjectContent>, PassError> {
        let generation = self.session_generation();
        let classify = |error: Error| match error {
            Error::Fault { .. } if self.session_generation() != generation => {
                PassError::SessionLost(error)
            }
            other => PassError::Failed(other),
        };
        let mut out = Vec::new();
        let mut result = self.retrieve_first_page(specs).await.map_err(classify)?;
        while let Some(page) = result {
            out.extend(page.objects);
            result = match page.token {
                Some(token) => Some(self.retrieve_next_page(&token).await.map_err(classify)?),
                None => None,
            };
        }
        Ok(out)
    }

    /// Retrieves all objects matching `specs` as typed property structs (e.g.
    /// `VirtualMachineProperties`), following every page.
    pub async fn retrieve_typed<P>(&self, specs: &[PropertyFilterSpec]) -> Result<Vec<P>, Error>
    where
        P: TryFrom<ObjectContent, Error = DecodeError>,
    {
        self.retrieve(specs)
            .await?
            .into_iter()
            .map(|content| {
                P::try_from(content).map_err(|source| Error::Decode {
                    method: "RetrievePropertiesEx",
                    source,
                })
            })
            .collect()
    }

    /// The properties of one object as a typed struct; [`Error::ObjectNotFound`] when the server
    /// returns nothing.
    pub async fn retrieve_object<P>(
        &self,
        obj: &ManagedObjectReference,
        properties: &[&str],
    ) -> Result<P, Error>
    where
        P: TryFrom<ObjectContent, Error = DecodeError>,
    {
        let mut contents = self.retrieve(&[object_filter(obj, properties)]).await?;
        match contents.pop() {
            Some(content) => P::try_from(content).map_err(|source| Error::Decode {
                method: "RetrievePropertiesEx",
                source,
            }),
            None => Err(Error::ObjectNotFound {
                object: obj.clone(),
            }),
        }
    }

    /// Streams the objects matching `specs` page by page: memory stays bounded by one page (the
    /// server's, or the configured page size) however large the inventory. A stream dropped before its end
    /// cancels the server's remaining result set (`CancelRetrievePropertiesEx`) in the background.
    pub fn retrieve_stream(
        &self,
        specs: Vec<PropertyFilterSpec>,
    ) -> impl Stream<Item = Result<ObjectContent, Error>> + Send + 'static {
        let client = self.clone();
        let state = (
            client,
            PageState::First(specs),
            VecDeque::<ObjectContent>::new(),
        );
        futures_util::stream::unfold(state, |(client, mut state, mut buffered)| async move {
            loop {
                if let Some(next) = buffered.pop_front() {
                    return Some((Ok(next), (client, state, buffered)));
                }
                let page = match std::mem::replace(&mut state, PageState::Done) {
                    PageState::Done => return None,
                    PageState::First(specs) => client.retrieve_first_page(&specs).await,
                    PageState::Continue(mut pending) => match pending.token.take() {
                        Some(token) => client.retrieve_next_page(&token).await.map(Some),
                        None => Ok(None),
                    },
                };
                match page {
                    Err(e) => return Some((Err(e), (client, PageState::Done, buffered))),
                    Ok(None) => return None,
                    Ok(Some(page)) => {
                        if let Some(token) = page.token {
                            state = PageState::Continue(PendingToken {
                                client: client.clone(),
                                token: Some(token),
                            });
                        }
                        buffered.extend(page.objects);
                    }
                }
            }
        })
    }

    async fn retrieve_first_page(
        &self,
        specs: &[PropertyFilterSpec],
    ) -> Result<Option<RetrieveResult>, Error> {
        let options = RetrieveOptions {
            max_objects: self
                .page_size()
                .map(|size| i32::try_from(size).unwrap_or(i32::MAX)),
        };
        methods::retrieve_properties_ex(self, self.service_content(), specs, &options)
            .await
            .map_err(method_error("RetrievePropertiesEx"))
    }

    async fn retrieve_next_page(&self, token: &str) -> Result<RetrieveResult, Error> {
        methods::continue_retrieve_properties_ex(self, self.service_content(), token)
            .await
            .map_err(method_error("ContinueRetrievePropertiesEx"))
    }
}
