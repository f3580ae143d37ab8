$ ScenarioWizard 3.0
Solution set
 1 

" 1 99999999999999999999",4,0,0,1,""
