"""Surveys: definitions, templates, SurveyJS exchange, distribution, respondent pages, responses."""
