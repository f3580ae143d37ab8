$ ScenarioWizard 3.0
Solution set
 1 

" 1 2",4,nan,0,15,""
