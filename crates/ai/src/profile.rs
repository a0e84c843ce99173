//! (skeleton: the traveller profile ai keeps from onboarding, filled by the recommend branch)
