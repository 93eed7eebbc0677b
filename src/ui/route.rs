//! Which view is open, with what it needs: the dashboard, one run's details, a comparison, or the
//! registered models, or an experiment's trash.

use super::compare_state::CompareState;
use super::details_state::DetailsState;
use super::models_state::ModelsState;
use super::trash_state::TrashState;

pub enum Route {
    Dashboard,
    Details(Box<DetailsState>),
    Compare(Box<CompareState>),
    Models(Box<ModelsState>),
    /// The deleted runs of an experiment.
    Trash(Box<TrashState>),
}

impl Route {
    pub fn details(&self) -> Option<&DetailsState> {
        match self {
            Route::Details(d) => Some(d),
            Route::Dashboard | Route::Compare(_) | Route::Models(_) | Route::Trash(_) => None,
        }
    }

    pub fn details_mut(&mut self) -> Option<&mut DetailsState> {
        match self {
            Route::Details(d) => Some(d),
            Route::Dashboard | Route::Compare(_) | Route::Models(_) | Route::Trash(_) => None,
        }
    }

    pub fn compare(&self) -> Option<&CompareState> {
        match self {
            Route::Compare(c) => Some(c),
            Route::Dashboard | Route::Details(_) | Route::Models(_) | Route::Trash(_) => None,
        }
    }

    pub fn compare_mut(&mut self) -> Option<&mut CompareState> {
        match self {
            Route::Compare(c) => Some(c),
            Route::Dashboard | Route::Details(_) | Route::Models(_) | Route::Trash(_) => None,
        }
    }

    pub fn models_mut(&mut self) -> Option<&mut ModelsState> {
        match self {
            Route::Models(m) => Some(m),
            Route::Dashboard | Route::Details(_) | Route::Compare(_) | Route::Trash(_) => None,
        }
    }

    /// The view's name, for tests and the window title.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Dashboard => "dashboard",
            Route::Details(_) => "details",
            Route::Compare(_) => "compare",
            Route::Models(_) => "models",
            Route::Trash(_) => "trash",
        }
    }
}
